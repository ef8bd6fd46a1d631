/*
 * corosync's client libraries as halod uses them: CPG (process groups), quorum and cmap.
 * Swift imports the structs and functions directly; the shims below are only for what it
 * cannot import as written (a v1 model struct passed as its base type). No logic here.
 */
#ifndef HALO_CCOROSYNC_H
#define HALO_CCOROSYNC_H

#include <corosync/corotypes.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>

/* cpg_model_initialize with the v1 model data (the call takes the base type). */
cs_error_t halo_cpg_model_v1_initialize(cpg_handle_t *handle, cpg_model_v1_data_t *model, void *context);

/* quorum_model_initialize with the v1 model data (the call takes the base type). */
cs_error_t halo_quorum_model_v1_initialize(quorum_handle_t *handle, quorum_model_v1_data_t *model,
                                           uint32_t *quorum_type, void *context);

#endif
