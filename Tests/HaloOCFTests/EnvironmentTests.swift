@testable import HaloOCF
import Testing

@Suite("OCFEnvironment: what Pacemaker passes")
struct EnvironmentTests {
    @Test func defaults_whenRunByHand() {
        let environment = OCFEnvironment([:])
        #expect(environment.ocfRoot == "/usr/lib/ocf")
        #expect(environment.resourceTemporaryDirectory == "/run/resource-agents")
        #expect(environment.exitReasonPrefix == "ocf-exit-reason:")
        #expect(environment.operation.timeout == nil)
        #expect(environment.operation.interval == .zero)
        #expect(environment.clone == nil)
        #expect(environment.notification == nil)
        #expect(environment.requestedCheckLevel == 0)
        #expect(environment.problems.isEmpty)
        #expect(!environment.logging.debug)
    }

    @Test func parameters_excludeMetaAttributes_andTheCheckLevel() {
        let environment = OCFEnvironment([
            "OCF_RESKEY_ip": "10.1.24.10", "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_RESKEY_crm_feature_set": "3.16.2",
            "OCF_RESKEY_OCF_CHECK_LEVEL": "10", "OCF_ROOT": "/opt/ocf", "OCF_RESOURCE_INSTANCE": "p1",
        ])
        #expect(environment.parameters == ["ip": "10.1.24.10"])
        #expect(environment.operation.timeout == .seconds(20))
        #expect(environment.operation.crmFeatureSet == "3.16.2")
        #expect(environment.requestedCheckLevel == 10)
        #expect(environment.ocfRoot == "/opt/ocf")
        #expect(environment.resourceInstance == "p1")
    }

    @Test func theUnprefixedCheckLevel_winsOverTheRESKEYOne() {
        #expect(OCFEnvironment(["OCF_CHECK_LEVEL": "20", "OCF_RESKEY_OCF_CHECK_LEVEL": "10"]).requestedCheckLevel == 20)
    }

    @Test(arguments: ["abc", "-10", "1.5"])
    func anInvalidCheckLevel_isAProblem(level: String) {
        #expect(OCFEnvironment(["OCF_CHECK_LEVEL": level]).problems.count == 1)
    }

    @Test func invalidTimes_areProblems() {
        let environment = OCFEnvironment(["OCF_RESKEY_CRM_meta_timeout": "20s", "OCF_RESKEY_CRM_meta_interval": "-1"])
        #expect(environment.problems.count == 2)
    }

    @Test func aPromotableClone_readsThePromotedAndTheLegacyNames() {
        let modern = OCFEnvironment([
            "OCF_RESKEY_CRM_meta_clone_max": "2", "OCF_RESKEY_CRM_meta_clone_node_max": "1",
            "OCF_RESKEY_CRM_meta_promoted_max": "1", "OCF_RESKEY_CRM_meta_promoted_node_max": "1",
            "OCF_RESKEY_CRM_meta_promotable": "true", "OCF_RESKEY_CRM_meta_notify": "true",
            "OCF_RESKEY_CRM_meta_globally_unique": "false",
        ]).clone
        #expect(modern == CloneMeta(cloneMax: 2, cloneNodeMax: 1, isGloballyUnique: false, notifies: true,
                                    isPromotable: true, promotedMax: 1, promotedNodeMax: 1))
        let legacy = OCFEnvironment(["OCF_RESKEY_CRM_meta_clone_max": "2", "OCF_RESKEY_CRM_meta_master_max": "2",
                                     "OCF_RESKEY_CRM_meta_master_node_max": "1"]).clone
        #expect(legacy?.isPromotable == true)
        #expect(legacy?.promotedMax == 2)
        #expect(legacy?.promotedNodeMax == 1)
    }

    @Test func notificationLists_areSplitOnWhitespace_withTrailingSpacesIgnored() throws {
        let notification = try #require(OCFEnvironment([
            "OCF_RESKEY_CRM_meta_notify_type": "pre", "OCF_RESKEY_CRM_meta_notify_operation": "promote",
            "OCF_RESKEY_CRM_meta_notify_promote_resource": "drbd1:0 ", "OCF_RESKEY_CRM_meta_notify_promote_uname": "node1 ",
            "OCF_RESKEY_CRM_meta_notify_active_uname": "node1 node2 ", "OCF_RESKEY_CRM_meta_notify_master_uname": "node2",
            "OCF_RESKEY_CRM_meta_notify_all_uname": "node1 node2", "OCF_RESKEY_CRM_meta_notify_start_uname": " ",
        ]).notification)
        #expect(notification.phase == .pre)
        #expect(notification.operation == "promote")
        #expect(notification.promoting.resources == ["drbd1:0"])
        #expect(notification.promoting.nodes == ["node1"])
        #expect(notification.active.nodes == ["node1", "node2"])
        #expect(notification.promoted.nodes == ["node2"])  // from the legacy master_* name
        #expect(notification.starting.nodes.isEmpty)
        #expect(notification.allNodes == ["node1", "node2"])
    }

    @Test(arguments: [("1", true), ("yes", true), ("true", true), ("0", false), ("no", false), ("", false), ("pacemaker-execd", false)])
    func debug_onlyWithATrueHAdebug(value: String, debug: Bool) {
        #expect(OCFEnvironment(["HA_debug": value]).logging.debug == debug)
    }

    @Test func theLogFacility_comesFromEitherSpelling_andNoneSwitchesSyslogOff() {
        #expect(OCFEnvironment([:]).logging.facility == .daemon)
        #expect(OCFEnvironment(["HA_LOGFACILITY": "none"]).logging.facility == nil)
        #expect(OCFEnvironment(["HA_logfacility": "local7"]).logging.facility != .daemon)
        #expect(OCFEnvironment(["HA_LOGTAG": "storage"]).logging.tag == "storage")
        let unknown = OCFEnvironment(["HA_LOGFACILITY": "local9"]).logging
        #expect(unknown.facility == .daemon)
        #expect(unknown.unknownFacility == "local9")
    }

    @Test func theExitReasonPrefix_canBeChangedByTheCaller() {
        #expect(OCFEnvironment(["OCF_EXIT_REASON_PREFIX": "reason>"]).exitReasonPrefix == "reason>")
    }

    @Test func theManager_isPacemaker_unlessHalodSaysItRunsTheAgent() {
        #expect(OCFEnvironment([:]).manager == .pacemaker)
        #expect(OCFEnvironment(["HALO_MANAGER": "halod"]).manager == .halod)
        #expect(OCFEnvironment(["HALO_MANAGER": "other"]).manager == .pacemaker)
    }
}
