package io.imgcdn.bench;

import io.imgcdn.bench.load.LoadCommand;
import io.imgcdn.bench.load.WrkCommand;
import io.imgcdn.bench.peers.ClusterVsReferenceCommand;
import io.imgcdn.bench.peers.ShardVsAtsCommand;
import io.imgcdn.bench.sim.SimCommand;
import io.imgcdn.bench.workload.WorkloadCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The bench command line: one subcommand per tool.
 *
 * {@snippet lang="shell" :
 * ./mvnw -q -pl bench package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp bench/target/classes:$(cat bench/target/cp.txt) io.imgcdn.bench.BenchMain --help
 * }
 */
@Command(
    name = "imgcdn-bench",
    mixinStandardHelpOptions = true,
    description = "imgcdn benchmarks: workload generation, cache-policy simulation, HTTP load.",
    subcommands = {
      WorkloadCommand.class,
      SimCommand.class,
      LoadCommand.class,
      WrkCommand.class,
      ShardVsAtsCommand.class,
      ClusterVsReferenceCommand.class
    })
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand, for embedding and tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new BenchMain());
  }
}
