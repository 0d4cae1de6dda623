import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.shard.config.ShardConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks one imgcdn node configuration or cluster file with the parsers the nodes use, without starting
 * anything: {@code java -cp 'dist.jar:lib/*' ImgcdnConfigCheck edge|shard|origin|cluster FILE}.
 * Exit 0 when the file is valid; 2 with every problem on stderr otherwise.
 */
public final class ImgcdnConfigCheck {
  /*
   * Ansible runs it as a template's `validate:` command, through the JDK's single-file source launcher
   * (JEP 330), so the check is always the installed release's own parsing: a key that release does not
   * know, or a bad value, never reaches a running node. Temporary files Ansible validates have no
   * extension, so the kind of file is the first argument rather than guessed from the name.
   */
  private ImgcdnConfigCheck() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: ImgcdnConfigCheck edge|shard|origin|cluster FILE");
      System.exit(64);
    }
    Path file = Path.of(args[1]);
    try {
      if (args[0].equals("cluster")) {
        var membership = ClusterFile.read(file);
        System.out.println("cluster file ok: " + membership.shards().size() + " shards, "
            + membership.origins().size() + " origins");
        return;
      }
      Settings settings = Settings.load(file, Map.of());
      switch (args[0]) {
        case "edge" -> EdgeConfig.from(settings);
        case "shard" -> ShardConfig.from(settings);
        case "origin" -> OriginConfig.from(settings);
        default -> {
          System.err.println("kind: '" + args[0] + "' (expected: edge, shard, origin or cluster)");
          System.exit(64);
        }
      }
      settings.finish();
      System.out.println(args[0] + " configuration ok");
    } catch (ConfigException e) {
      System.err.println(file + ": " + e.getMessage());
      System.exit(2);
    }
  }
}
