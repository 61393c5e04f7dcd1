/*
 * vm_main.h - the entry point every Microdroid payload library exports.
 *
 * microdroid_launcher dlopen()s the payload's shared object (the
 * vm_config.json task's library), looks up AVmPayload_main and calls it;
 * the value it returns becomes the payload's exit code, which the host
 * sees as the payload's end (`vm run-app` exits with it).
 */
#ifndef VM_PAYLOAD_VM_MAIN_H
#define VM_PAYLOAD_VM_MAIN_H

#ifdef __cplusplus
extern "C" {
#endif

typedef int AVmPayload_main_t(void);

/* Defined by the payload, with default visibility. */
AVmPayload_main_t AVmPayload_main;

#ifdef __cplusplus
}
#endif

#endif
