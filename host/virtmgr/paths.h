/*
 * paths.h - where the host side finds its pieces: mvm, virtmgr, the
 * Microdroid image, bundled payloads, and virtmgr's socket.  `vm`, virtmgr
 * and the client library (host/client) share these rules, so that they
 * always agree.
 *
 * Tools are looked up as: the environment variable if set, else the build
 * tree's copy (relative to the running executable, which lives in
 * build/host/<x>/ or build/tests/...), else one beside the running
 * executable, else the bare name (exec searches PATH).
 *
 *   tool          variable         build tree (from build/host/<x>/)
 *   mvm           MVM              ../../vmm/mvm
 *   virtmgr       VIRTMGR          ../../host/virtmgr/virtmgr
 *
 * The Microdroid image directory (kernel, initramfs.img, system.img,
 * cmdline; image/build.sh) is $MDROID_IMAGE_DIR, else the build tree's
 * ../../image, else DATADIR/microdroid/image.  Bundled payload packages
 * (the empty payload of `vm run-microdroid`, the demo) are in
 * $MDROID_PAYLOAD_DIR, else the build tree's ../../payloads, else
 * DATADIR/microdroid/payloads.
 *
 * virtmgr's socket is $MDROID_VIRTMGR_SOCKET, else
 * $XDG_RUNTIME_DIR/microdroid/virtmgr.sock, else (root)
 * /run/microdroid/virtmgr.sock, else /tmp/microdroid-UID/virtmgr.sock.
 * Its directory holds virtmgr's lock and the VMs' work directories
 * (vms/<CID>/), and is made mode 0700.
 */
#ifndef MDROID_VIRTMGR_PATHS_H
#define MDROID_VIRTMGR_PATHS_H

#include <stddef.h>

#include "lib/common/error.h"

#ifndef MDROID_DATADIR
#define MDROID_DATADIR "/usr/local/share"
#endif

/*
 * The path of tool @name ("mvm" or "virtmgr") into @out (@size bytes),
 * following the rules above; the bare name when nothing else is found.
 * -EINVAL for an unknown tool, -ENAMETOOLONG if @out is too small.
 */
int paths_find_tool(const char *name, char *out, size_t size);

/* The image directory into @out.  -ENOENT (with the places tried in @e) if none has a kernel. */
int paths_image_dir(char *out, size_t size, struct error *e);

/* The bundled payload directory into @out.  -ENOENT (with the places tried) if none exists. */
int paths_payload_dir(char *out, size_t size, struct error *e);

/* virtmgr's socket path into @out; does not create anything. */
int paths_virtmgr_socket(char *out, size_t size, struct error *e);

#endif
