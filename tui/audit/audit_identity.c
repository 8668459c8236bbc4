/* Who is acting and from where: the identity block of every record. What
 * comes from the environment (SUDO_USER, SSH_CONNECTION) is what the login
 * chain said, recorded as such; uid and user come from the kernel. */
#include "tui/audit/audit_internal.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etcdclient/util/escape.h"

#define IDENT_MAX 256

/* A JSON string of at most IDENT_MAX bytes of s; bytes that are not valid
 * UTF-8 (jansson refuses them) are stored escaped; NULL s gives null. */
static json_t *ident_str(const char *s)
{
    if (!s)
        return json_null();
    size_t n = strnlen(s, IDENT_MAX);
    json_t *v = json_stringn(s, n);
    if (v)
        return v;
    char *e = ec_escape_dup((const uint8_t *)s, n);
    v = e ? json_string(e) : NULL;
    free(e);
    return v ? v : json_null();
}

json_t *audit_identity(void)
{
    json_t *id = json_object();
    if (!id)
        return NULL;
    uid_t uid = getuid();
    struct passwd pw, *res = NULL;
    char pwbuf[4096];
    const char *user = NULL;
    if (getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
        user = res->pw_name;
    char login[256];
    const char *login_name = getlogin_r(login, sizeof login) == 0 ? login : NULL;
    char host[256];
    const char *hostname = NULL;
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        hostname = host;
    }
    char ttybuf[256];
    const char *tty = ttyname_r(0, ttybuf, sizeof ttybuf) == 0 ? ttybuf : NULL;
    int bad = 0;
    bad |= json_object_set_new(id, "uid", json_integer((json_int_t)uid));
    bad |= json_object_set_new(id, "user", ident_str(user));
    bad |= json_object_set_new(id, "sudo_user", ident_str(getenv("SUDO_USER")));
    bad |= json_object_set_new(id, "login", ident_str(login_name));
    bad |= json_object_set_new(id, "ssh_connection", ident_str(getenv("SSH_CONNECTION")));
    bad |= json_object_set_new(id, "tty", ident_str(tty));
    bad |= json_object_set_new(id, "hostname", ident_str(hostname));
    bad |= json_object_set_new(id, "pid", json_integer((json_int_t)getpid()));
    if (bad) {
        json_decref(id);
        return NULL;
    }
    return id;
}
