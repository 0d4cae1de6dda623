package io.imgcdn.launcher;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imgcdn ring}: which shard owns a URL (and which origin its original), as every node
 * computes it.
 */
@Command(
    name = "ring",
    mixinStandardHelpOptions = true,
    description =
        "Print which shard owns each URL (then its failover order) and which origin serves its"
            + " original.")
final class RingCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-C", "--cluster"},
      paramLabel = "FILE",
      description = "The cluster file (as the nodes' cluster.file).")
  @Nullable Path cluster;

  /**
   * Until 0.2, {@code --config} (and {@code -c}) named the cluster file here, while every other
   * command reads a node's settings file with it. Kept for one release, with a warning.
   */
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      hidden = true,
      description = "Deprecated: the cluster file; use --cluster.")
  @Nullable Path deprecatedConfig;

  @Option(
      names = "--placement",
      defaultValue = ClusterSettings.DEFAULT_PLACEMENT,
      description = "Ring algorithm, as cluster.placement on the nodes (default ${DEFAULT-VALUE}).")
  String placement;

  @Parameters(
      paramLabel = "URL",
      arity = "1..*",
      description = "Paths (/v/w150/a.jpg) or full URLs.")
  List<String> urls;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path file = cluster;
    if (file == null && deprecatedConfig != null) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "imgcdn ring: --config for the cluster file is deprecated and goes in the next release;"
              + " use --cluster FILE (--config names a node's settings file, as in imgcdn purge)");
      err.flush();
      file = deprecatedConfig;
    }
    if (file == null) {
      throw new ParameterException(
          spec.commandLine(), "no cluster file (expected: --cluster FILE)");
    }
    Membership m = ClusterFile.read(file);
    Placement p = Placement.parse(placement);
    NodeLocator shards = HashRings.create(p, m.shards());
    NodeLocator origins = HashRings.create(p, m.origins());
    for (String raw : urls) {
      String target =
          raw.startsWith("http://") || raw.startsWith("https://")
              ? URI.create(raw).getRawPath()
              : raw;
      ImageUrl url = ImageUrl.parse(target);
      List<Node> order = shards.candidates(url.path(), shards.nodes().size());
      String failover = order.stream().skip(1).map(Node::id).collect(Collectors.joining(", "));
      out.printf(
          "%s -> %s (%s)%s; origin %s%n",
          url.path(),
          order.isEmpty() ? "-" : order.get(0).id(),
          order.isEmpty() ? "no shards" : order.get(0).address(),
          failover.isEmpty() ? "" : ", then " + failover,
          origins.nodes().isEmpty() ? "-" : origins.owner(url.objectKey()).id());
    }
    out.flush();
    return 0;
  }
}
