#include "ccorosync.h"

cs_error_t halo_cpg_model_v1_initialize(cpg_handle_t *handle, cpg_model_v1_data_t *model, void *context) {
    return cpg_model_initialize(handle, CPG_MODEL_V1, (cpg_model_data_t *)model, context);
}

cs_error_t halo_quorum_model_v1_initialize(quorum_handle_t *handle, quorum_model_v1_data_t *model,
                                           uint32_t *quorum_type, void *context) {
    return quorum_model_initialize(handle, QUORUM_MODEL_V1, (quorum_model_data_t *)model, quorum_type, context);
}
