/* Where the log lives: directories created 0700 and made durable, and the
 * mount point named in "disk full" messages. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *audit_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int audit_path_sync_dir(const char *dir, ec_err *err)
{
    char ed[256];
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return ec_fail(err, EC_E_IO, "cannot open directory '%s' to sync it: %s",
                       audit_esc(dir, ed, sizeof ed), strerror(e));
    }
    if (audit_io_fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return ec_fail(err, EC_E_IO, "cannot sync directory '%s' to disk: %s; "
                       "check the disk (dmesg) or choose an audit log on another one (--audit-log)",
                       audit_esc(dir, ed, sizeof ed), strerror(e));
    }
    close(fd);
    return 0;
}

int audit_path_prepare_dir(const char *path, ec_err *err)
{
    char ed[256];
    char *dir = audit_path_dir(path);
    if (!dir)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    size_t len = strlen(dir);
    /* Walk the components; every one is tried, so a missing parent of a
     * missing directory is made too. */
    for (size_t i = 1; i <= len; i++) {
        if (i < len && dir[i] != '/')
            continue;
        char save = dir[i];
        dir[i] = '\0';
        if (audit_io_mkdir(dir, 0700) == 0) {
            /* The mode asked for is filtered by the umask: set it exactly. */
            if (chmod(dir, 0700) != 0) {
                int e = errno;
                ec_fail(err, EC_E_IO, "cannot set mode 0700 on '%s': %s",
                        audit_esc(dir, ed, sizeof ed), strerror(e));
                free(dir);
                return -1;
            }
            char *parent = audit_path_dir(dir);
            int rc = parent ? audit_path_sync_dir(parent, err) : ec_fail(err, EC_E_NOMEM, "out of memory");
            free(parent);
            if (rc != 0) {
                free(dir);
                return -1;
            }
        } else if (errno != EEXIST) {
            int e = errno;
            /* Leave the real error to the open() that follows when this
             * component exists already in some form we cannot mkdir. */
            struct stat st;
            if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                ec_fail(err, e == EACCES || e == EPERM || e == EROFS ? EC_E_PERMISSION : EC_E_IO,
                        "cannot create directory '%s' for the audit log: %s",
                        audit_esc(dir, ed, sizeof ed), strerror(e));
                errno = e;
                free(dir);
                return -1;
            }
        }
        dir[i] = save;
    }
    free(dir);
    return 0;
}

void audit_path_mount_point(const char *dir, char *out, size_t outsz)
{
    char real[PATH_MAX];
    snprintf(out, outsz, "%s", dir);
    if (!realpath(dir, real))
        return;
    struct stat st;
    if (stat(real, &st) != 0)
        return;
    dev_t dev = st.st_dev;
    /* Climb while the parent is on the same device. */
    for (;;) {
        char *slash = strrchr(real, '/');
        if (!slash || (slash == real && real[1] == '\0'))
            break;
        char save = slash == real ? real[1] : *slash;
        if (slash == real)
            real[1] = '\0';
        else
            *slash = '\0';
        if (stat(real, &st) != 0 || st.st_dev != dev) {
            if (slash == real)
                real[1] = save;
            else
                *slash = save;
            break;
        }
    }
    snprintf(out, outsz, "%s", real);
}
