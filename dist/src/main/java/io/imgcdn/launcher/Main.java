package io.imgcdn.launcher;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.EdgeServer;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.origin.OriginServer;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.shard.ShardServer;
import io.imgcdn.shard.config.ShardConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code imgcdn} command: run one node, or a whole demo cluster. */
@Command(
    name = "imgcdn",
    mixinStandardHelpOptions = true,
    version = "imgcdn 0.1.0",
    description =
        "A self-hosted, two-tier image CDN: edge (memory) -> shard (SSD) -> origin (S3 +"
            + " thumbnails).",
    subcommands = {
      Main.Edge.class,
      Main.Shard.class,
      Main.Origin.class,
      Demo.class,
      RingCommand.class,
      WarmCommand.class,
      PurgeCommand.class,
      SignCommand.class
    })
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler(Main::onError);
  }

  private static int onError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (e instanceof ConfigException
        || e instanceof IllegalStateException
        || e instanceof IllegalArgumentException
        || e instanceof io.imgcdn.common.http.HttpError
        || e instanceof java.io.IOException) {
      cmd.getErr().println("imgcdn " + cmd.getCommandName() + ": " + e.getMessage());
      return 2;
    }
    throw new RuntimeException(e);
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.err);
    return 2;
  }

  /** Options every node command shares. */
  abstract static class NodeCommand<C> implements Callable<Integer> {
    @Option(
        names = {"-c", "--config"},
        paramLabel = "FILE",
        description = "Properties file of this node.")
    @Nullable Path config;

    @Option(
        names = {"-s", "--set"},
        paramLabel = "KEY=VALUE",
        description = "Override one setting (repeatable), e.g. --set server.port=8080")
    List<String> overrides = new ArrayList<>();

    abstract Function<Settings, C> parser();

    abstract AutoCloseable start(C config);

    @Override
    public Integer call() throws Exception {
      Settings settings = Settings.load(config, Settings.parseOverrides(overrides));
      C parsed = parser().apply(settings);
      settings.finish();
      AutoCloseable node = start(parsed);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      node.close();
                    } catch (Exception e) {
                      // exiting anyway
                    } finally {
                      stopped.countDown();
                    }
                  },
                  "imgcdn-shutdown"));
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "edge",
      mixinStandardHelpOptions = true,
      description = "Run an edge-cache node (memory tier).")
  static final class Edge extends NodeCommand<EdgeConfig> {
    @Override
    Function<Settings, EdgeConfig> parser() {
      return EdgeConfig::from;
    }

    @Override
    AutoCloseable start(EdgeConfig config) {
      return EdgeServer.start(config);
    }
  }

  @Command(
      name = "shard",
      mixinStandardHelpOptions = true,
      description = "Run a shard-cache node (SSD tier).")
  static final class Shard extends NodeCommand<ShardConfig> {
    @Override
    Function<Settings, ShardConfig> parser() {
      return ShardConfig::from;
    }

    @Override
    AutoCloseable start(ShardConfig config) {
      return ShardServer.start(config);
    }
  }

  @Command(
      name = "origin",
      mixinStandardHelpOptions = true,
      description = "Run an origin-thumb node (S3 originals and variants).")
  static final class Origin extends NodeCommand<OriginConfig> {
    @Override
    Function<Settings, OriginConfig> parser() {
      return OriginConfig::from;
    }

    @Override
    AutoCloseable start(OriginConfig config) {
      return OriginServer.start(config);
    }
  }
}
