package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.config.Settings;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.shard.config.ShardConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The default deadlines nest, so that with nothing configured an inner tier gives up before its
 * caller and its answer, naming what failed, reaches the caller in time (issue 18: the edge's 10 s
 * equalled the origin's S3 timeout, and a hung S3 was reported as "shard tier unavailable").
 */
class DefaultBudgetsTest {
  @Test
  void defaults_eachTierGivesUpBeforeItsCaller_withAMarginForItsAnswer() {
    EdgeConfig edge =
        EdgeConfig.from(Settings.of(Map.of("cluster.file", "/nonexistent/cluster.conf")));
    ShardConfig shard =
        ShardConfig.from(Settings.of(Map.of("cluster.file", "/nonexistent/cluster.conf")));
    OriginConfig origin = OriginConfig.from(Settings.of(Map.of("origin.s3.bucket", "b")));
    Duration margin = Deadline.ANSWER_MARGIN;

    assertThat(edge.upstreamDeadline()).isEqualTo(Duration.ofSeconds(30));
    assertThat(shard.upstreamDeadline().plus(margin)).isLessThan(edge.upstreamDeadline());
    assertThat(origin.deadline().plus(margin)).isLessThan(shard.upstreamDeadline());
    assertThat(origin.s3Timeout()).as("S3 silent").isLessThan(origin.deadline());
    assertThat(origin.jobTimeout()).isLessThanOrEqualTo(origin.deadline());
    // The origin answers once it has the whole original; the shard collects and stores it before it
    // answers the edge. 18 concurrent 15 MB originals on 2 busy cores (DeadlineBudgetTest) took up
    // to
    // 5.4 s from the origin's last S3 byte to its last byte written to a shard.
    assertThat(edge.upstreamDeadline().minus(origin.deadline()))
        .as("an original made in time has time to reach the client")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
  }
}
