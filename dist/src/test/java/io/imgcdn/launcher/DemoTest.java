package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code imgcdn demo} prints works against the demo: the purge line and the S3 recipes. */
class DemoTest {

  @Test
  void guide_purgeLineAsPrinted_purgesEveryNode_andNamesTheS3Recipes(@TempDir Path dir)
      throws Exception {
    try (LocalCluster cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.resolve("demo"),
                0,
                0,
                0,
                3,
                0,
                0,
                16L << 20,
                32L << 20,
                Demo.SIGNING_KEY,
                Demo.DEMO_SETTINGS))) {
      List<String> names = Demo.seed(cluster);
      String guide = Demo.guide(cluster, names, null);

      assertThat(guide)
          .contains("Admin token:        " + LocalCluster.ADMIN_TOKEN)
          .contains(
              "aws --endpoint-url "
                  + cluster.s3().endpoint()
                  + " --region us-east-1 s3 cp me.jpg s3://imgcdn-demo/me.jpg")
          .contains("AWS_ACCESS_KEY_ID=" + LocalCluster.ACCESS_KEY)
          .contains("AWS_SECRET_ACCESS_KEY=" + LocalCluster.SECRET_KEY)
          .contains(
              "s3cmd --host="
                  + cluster.s3().endpoint().getAuthority()
                  + " --host-bucket="
                  + cluster.s3().endpoint().getAuthority()
                  + " --no-ssl --region=us-east-1 --access_key="
                  + LocalCluster.ACCESS_KEY
                  + " --secret_key="
                  + LocalCluster.SECRET_KEY
                  + " put me.jpg s3://imgcdn-demo/me.jpg");

      String purgeLine =
          guide
              .lines()
              .filter(l -> l.contains("./imgcdn purge "))
              .findFirst()
              .orElseThrow()
              .replaceFirst(".*\\./imgcdn ", "");
      String[] args = purgeLine.split(" ");
      assertThat(args[0]).isEqualTo("purge");
      CommandLine cmd = Main.commandLine();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      cmd.setOut(new PrintWriter(out));
      cmd.setErr(new PrintWriter(err));
      int code = cmd.execute(args);
      assertThat(code).as(purgeLine + "\n" + out + err).isZero();
      assertThat(out.toString()).contains("on 1 edge, 3 shards").contains("4 of 4 nodes purged");
    }
  }

  @Test
  void shellWord_quotesOnlyWhatTheShellWouldSplitOrExpand() {
    assertThat(Demo.shellWord("/home/a/imgcdn/.imgcdn-demo/cluster.conf"))
        .isEqualTo("/home/a/imgcdn/.imgcdn-demo/cluster.conf");
    assertThat(Demo.shellWord("/home/a b/it's/cluster.conf"))
        .isEqualTo("'/home/a b/it'\\''s/cluster.conf'");
  }
}
