/* What kind of problem an offline read ran into, finer than ec_code: the
 * program picks its fix line from it, tests check it. */
#ifndef EC_OFFLINE_FAULT_H
#define EC_OFFLINE_FAULT_H

typedef enum ec_offline_fault {
    EC_OFFLINE_F_NONE = 0,
    EC_OFFLINE_F_FILE,        /* cannot open, stat, map or read the file */
    EC_OFFLINE_F_IN_USE,      /* a running etcd holds the file's lock */
    EC_OFFLINE_F_NOT_BBOLT,   /* empty, too short, or bad magic: not a bbolt file */
    EC_OFFLINE_F_META,        /* both meta pages invalid (checksum, version, page size) */
    EC_OFFLINE_F_TRUNCATED,   /* a page in use lies beyond the end of the file */
    EC_OFFLINE_F_HASH,        /* snapshot SHA-256 trailer does not match */
    EC_OFFLINE_F_NOT_ETCD,    /* a bbolt file without etcd's 'key' bucket */
    EC_OFFLINE_F_BAD_PAGE,    /* damaged tree: bad page type, bounds, id, cycle */
    EC_OFFLINE_F_BAD_RECORD,  /* malformed revision key or KeyValue */
    EC_OFFLINE_F_LIMIT        /* over a size cap or out of memory */
} ec_offline_fault;

/* Short stable name ("hash", "truncated", ...) for JSON output and tests. */
const char *ec_offline_fault_name(ec_offline_fault f);

#endif
