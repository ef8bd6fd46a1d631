/*
 * haloctl's in-process reading of a Pacemaker cluster (see cpacemaker.h). The pointer types
 * come from Pacemaker's own headers with __typeof__, so a signature here cannot disagree with
 * the library's; pcmk_status is the exception (Debian's pacemaker-dev ships no pacemaker.h), its
 * prototype is the one documented in Pacemaker 2.1's pacemaker.h.
 */
#include "cpacemaker.h"

#include <crm/cib.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>
#include <crm/crm.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpacemaker: "Output cluster status formatted like `crm_mon --output-as=xml`". */
typedef int (*halo_pcmk_status_fn)(xmlNodePtr *xml);

static struct {
    int loaded;
    __typeof__(&cib_new) cib_new;
    __typeof__(&cib_delete) cib_delete;
    __typeof__(&dump_xml_unformatted) dump_xml_unformatted;
    __typeof__(&free_xml) free_xml;
    __typeof__(&pcmk_strerror) pcmk_strerror;
    __typeof__(&pcmk_rc_str) pcmk_rc_str;
    __typeof__(&crm_xml_init) crm_xml_init;
    halo_pcmk_status_fn pcmk_status;
} pcmk;

static void say(char *error, size_t size, const char *format, ...) {
    if (error == NULL || size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, size, format, arguments);
    va_end(arguments);
}

static void *open_library(const char *soname, char *error, size_t size) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        say(error, size, "%s", why != NULL ? why : soname);
    }
    return handle;
}

static void *symbol(void *handle, const char *name, int *missing, char *error, size_t size) {
    void *address = dlsym(handle, name);
    if (address == NULL && !*missing) {
        *missing = 1;
        say(error, size, "Pacemaker's libraries lack %s", name);
    }
    return address;
}

int halo_pcmk_load(char *error, size_t error_size) {
    if (pcmk.loaded) return 0;
    void *common = open_library("libcrmcommon.so.34", error, error_size);
    if (common == NULL) return -1;
    void *cib = open_library("libcib.so.27", error, error_size);
    if (cib == NULL) return -1;
    void *pacemaker = open_library("libpacemaker.so.1", error, error_size);
    if (pacemaker == NULL) return -1;

    int missing = 0;
    pcmk.cib_new = (__typeof__(pcmk.cib_new)) symbol(cib, "cib_new", &missing, error, error_size);
    pcmk.cib_delete = (__typeof__(pcmk.cib_delete)) symbol(cib, "cib_delete", &missing, error, error_size);
    pcmk.dump_xml_unformatted = (__typeof__(pcmk.dump_xml_unformatted))
        symbol(common, "dump_xml_unformatted", &missing, error, error_size);
    pcmk.free_xml = (__typeof__(pcmk.free_xml)) symbol(common, "free_xml", &missing, error, error_size);
    pcmk.pcmk_strerror = (__typeof__(pcmk.pcmk_strerror)) symbol(common, "pcmk_strerror", &missing, error, error_size);
    pcmk.pcmk_rc_str = (__typeof__(pcmk.pcmk_rc_str)) symbol(common, "pcmk_rc_str", &missing, error, error_size);
    pcmk.crm_xml_init = (__typeof__(pcmk.crm_xml_init)) symbol(common, "crm_xml_init", &missing, error, error_size);
    pcmk.pcmk_status = (halo_pcmk_status_fn) symbol(pacemaker, "pcmk_status", &missing, error, error_size);
    char **system_name = (char **) symbol(common, "crm_system_name", &missing, error, error_size);
    if (missing) return -1;
    /* The name Pacemaker's daemons log this client under (crm_mon sets its own the same way). */
    if (*system_name == NULL) *system_name = strdup("haloctl");
    /* Loads Pacemaker's schemas, as its tools do when they start: without them the status
     * takes every CIB for one whose validation is off ("Schema validation of configuration is
     * disabled" on standard error) and upgrades no older one before reading it. */
    pcmk.crm_xml_init();
    pcmk.loaded = 1;
    return 0;
}

/* Serializes `xml` and frees it. */
static char *take_text(xmlNode *xml) {
    char *text = pcmk.dump_xml_unformatted(xml);
    pcmk.free_xml(xml);
    return text;
}

int halo_pcmk_cib_query(char **xml, char *error, size_t error_size) {
    *xml = NULL;
    if (!pcmk.loaded) {
        say(error, error_size, "Pacemaker's libraries are not loaded");
        return -ENOTCONN;
    }
    cib_t *cib = pcmk.cib_new();
    if (cib == NULL) {
        say(error, error_size, "cib_new failed (out of memory?)");
        return -ENOMEM;
    }
    int rc = cib->cmds->signon(cib, "haloctl", cib_query);
    if (rc != pcmk_ok) {
        say(error, error_size, "connecting to the CIB: %s", pcmk.pcmk_strerror(rc));
        pcmk.cib_delete(cib);
        return rc;
    }
    xmlNode *output = NULL;
    rc = cib->cmds->query(cib, NULL, &output, cib_sync_call);
    if (rc != pcmk_ok || output == NULL) {
        say(error, error_size, "querying the CIB: %s", pcmk.pcmk_strerror(rc != pcmk_ok ? rc : -ENODATA));
        if (output != NULL) pcmk.free_xml(output);
        cib->cmds->signoff(cib);
        pcmk.cib_delete(cib);
        return rc != pcmk_ok ? rc : -ENODATA;
    }
    cib->cmds->signoff(cib);
    pcmk.cib_delete(cib);
    *xml = take_text(output);
    if (*xml == NULL) {
        say(error, error_size, "the CIB could not be written out as XML");
        return -ENOMEM;
    }
    return pcmk_ok;
}

int halo_pcmk_status(char **xml, char *error, size_t error_size) {
    *xml = NULL;
    if (!pcmk.loaded) {
        say(error, error_size, "Pacemaker's libraries are not loaded");
        return ENOTCONN;
    }
    xmlNode *output = NULL;
    int rc = pcmk.pcmk_status(&output);
    if (output == NULL) {
        say(error, error_size, "pcmk_status: %s", pcmk.pcmk_rc_str(rc != pcmk_rc_ok ? rc : ENODATA));
        return rc != pcmk_rc_ok ? rc : ENODATA;
    }
    *xml = take_text(output);
    if (*xml == NULL) {
        say(error, error_size, "the status could not be written out as XML");
        return ENOMEM;
    }
    return pcmk_rc_ok;
}

void halo_pcmk_free(char *xml) {
    free(xml);
}
