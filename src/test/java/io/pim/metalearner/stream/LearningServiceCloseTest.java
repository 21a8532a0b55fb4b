package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LearningServiceCloseTest {
    private static final ServiceConfig CONFIG = ServiceConfig.of("kafka:9092", "http://registry:8080/apis/registry/v3");

    @Test
    void aDynamicMemberLeavesTheGroupOnCloseSoItsTasksMoveAtOnce() {
        assertThat(LearningService.membershipOnClose(CONFIG)).isEqualTo(GroupMembershipOperation.LEAVE_GROUP);
    }

    @Test
    void aStaticMemberStaysInTheGroupOnCloseSoItTakesItsTasksBackWhenItReturns() {
        // given a pod name as group.instance.id, as the StatefulSet sets it
        ServiceConfig staticMember = CONFIG.with(Map.of("streams.group.instance.id", "metalearner-0"));

        // then a rolling restart of it causes no rebalance (it is back within session.timeout.ms)
        assertThat(LearningService.membershipOnClose(staticMember)).isEqualTo(GroupMembershipOperation.REMAIN_IN_GROUP);
    }
}
