package io.imgcdn.launcher;

import io.imgcdn.common.url.UrlSigner;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.SelfSignedCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgcdn demo}: a local cluster with sample photographs and a page that shows them through
 * the edge.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Start a local cluster (1 edge, 3 shards, 1 origin, embedded S3) with sample images.")
final class Demo implements Callable<Integer> {
  static final String SIGNING_KEY = "imgcdn-demo-signing-key";

  @Option(
      names = "--port",
      defaultValue = "8080",
      description =
          "Edge port (default ${DEFAULT-VALUE}); shards use the next three ports, the origin"
              + " port+10, S3 port+920, HTTPS port+363 (8443), admin ports 9080-9090.")
  int port;

  @Option(
      names = "--dir",
      defaultValue = ".imgcdn-demo",
      description =
          "Where S3 objects and shard stores live (default ${DEFAULT-VALUE}); kept across runs.")
  Path dir;

  /**
   * The larger presets answer WebP to browsers that accept it (README: WebP and AVIF by Accept).
   */
  static final Map<String, String> DEMO_SETTINGS =
      Map.of("origin.preset.w600.formats", "webp", "origin.preset.w1200.formats", "webp");

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    // HTTPS with a certificate for 127.0.0.1 and localhost, made once and kept in the data dir.
    CertificateFiles certificate =
        SelfSignedCertificates.localhost(dir.toAbsolutePath().resolve("tls"));
    Map<String, String> settings = new java.util.HashMap<>(DEMO_SETTINGS);
    settings.put("edge.tls.port", String.valueOf(port + 363));
    settings.put("edge.tls.certificates", certificate.toString());
    LocalCluster cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.toAbsolutePath(),
                port + 920,
                port + 10,
                port + 1,
                3,
                port,
                9080 + (port - 8080),
                256L << 20,
                512L << 20,
                SIGNING_KEY,
                settings));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("\nstopping the demo cluster...");
                  cluster.close();
                  stopped.countDown();
                },
                "imgcdn-demo-shutdown"));
    List<String> names = seed(cluster);
    out.println();
    out.print(guide(cluster, names, certificate.chain()));
    out.println();
    out.println("Press Ctrl-C to stop.");
    stopped.await();
    return 0;
  }

  /**
   * What the demo prints once it is up: where to look, and the exact commands that work against it
   * (purge with the demo's admin token; aws and s3cmd with the embedded S3's endpoint, bucket and
   * keys). {@code tlsChain}: the HTTPS certificate to name, or null when the edge serves none.
   */
  static String guide(LocalCluster cluster, List<String> names, @Nullable Path tlsChain) {
    String edge = cluster.edgeUrl();
    String admin = "http://127.0.0.1:" + cluster.edge().adminPort();
    UrlSigner signer = new UrlSigner(SIGNING_KEY.getBytes(StandardCharsets.UTF_8));
    String first = "photos/" + names.get(0);
    String adHoc = "w=320,h=200,fit=cover,f=png";
    String s3 = cluster.s3().endpoint().toString();
    String hostPort = cluster.s3().endpoint().getAuthority();
    String bucket = LocalCluster.BUCKET;
    StringBuilder g = new StringBuilder();
    java.util.function.Consumer<String> line = l -> g.append(l).append('\n');
    line.accept(
        "imgcdn demo is up: 1 edge, "
            + cluster.shards().size()
            + " shards, 1 origin, embedded S3 (data in "
            + cluster.directory()
            + ")");
    line.accept("");
    line.accept("  Open in a browser:  " + edge + "/");
    if (tlsChain != null) {
      String https = "https://127.0.0.1:" + cluster.edge().tlsPort();
      line.accept("  HTTPS:              curl --cacert " + tlsChain + " " + https + "/");
      line.accept(
          "                      (self-signed for 127.0.0.1 and localhost; to trust it, import "
              + tlsChain.getFileName()
              + " as an authority in the browser, or on Debian copy it to"
              + " /usr/local/share/ca-certificates/imgcdn-demo.crt and run"
              + " update-ca-certificates)");
    }
    line.accept("");
    line.accept("  An original:        " + edge + "/" + first);
    line.accept("  Named variants:     " + edge + "/v/w150/" + first);
    line.accept("                      " + edge + "/v/sq240/" + first);
    line.accept("                      " + edge + "/v/w600/" + first);
    line.accept(
        "  Signed ad-hoc:      "
            + edge
            + "/t/"
            + signer.sign(adHoc + "/" + first)
            + "/"
            + adHoc
            + "/"
            + first);
    line.accept(
        "  See the tiers:      curl -sI " + edge + "/v/w150/" + first + " | grep -i x-cache");
    line.accept("  Metrics:            " + admin + "/metrics  (edge admin port)");
    line.accept("  Edge status:        " + admin + "/status");
    line.accept("  Access logs (LTSV): " + cluster.accessLogDirectory() + "/");
    line.accept("");
    line.accept(
        "  Admin token:        "
            + LocalCluster.ADMIN_TOKEN
            + "  (every node's admin.token; fixed for the demo, whose admin ports listen on"
            + " 127.0.0.1 only)");
    line.accept(
        "  Purge a URL:        ./imgcdn purge --cluster "
            + shellWord(cluster.clusterFile().toString())
            + " --token "
            + LocalCluster.ADMIN_TOKEN
            + " /v/w150/"
            + first);
    line.accept("");
    line.accept(
        "  Embedded S3:        endpoint "
            + s3
            + "  bucket "
            + bucket
            + "  region "
            + cluster.s3().region()
            + " (path-style; every request signed)");
    line.accept(
        "                      access key "
            + LocalCluster.ACCESS_KEY
            + "  secret key "
            + LocalCluster.SECRET_KEY);
    line.accept(
        "  Add your own (aws): AWS_ACCESS_KEY_ID="
            + LocalCluster.ACCESS_KEY
            + " AWS_SECRET_ACCESS_KEY="
            + LocalCluster.SECRET_KEY
            + " aws --endpoint-url "
            + s3
            + " --region "
            + cluster.s3().region()
            + " s3 cp me.jpg s3://"
            + bucket
            + "/me.jpg");
    line.accept(
        "  (s3cmd):            s3cmd --host="
            + hostPort
            + " --host-bucket="
            + hostPort
            + " --no-ssl --region="
            + cluster.s3().region()
            + " --access_key="
            + LocalCluster.ACCESS_KEY
            + " --secret_key="
            + LocalCluster.SECRET_KEY
            + " put me.jpg s3://"
            + bucket
            + "/me.jpg");
    line.accept("                      then open " + edge + "/v/w600/me.jpg");
    return g.toString();
  }

  /** {@code word} as one shell word: as it is when it is safe, else in single quotes. */
  static String shellWord(String word) {
    return word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  /** Puts the bundled photographs and the index page into the bucket; returns the photos' names. */
  static List<String> seed(LocalCluster cluster) throws IOException {
    List<String> names = new ArrayList<>();
    for (String line : resource("samples/index.txt").toString(StandardCharsets.UTF_8).split("\n")) {
      String name = line.strip();
      if (name.isEmpty()) {
        continue;
      }
      String type = name.endsWith(".png") ? "image/png" : "image/jpeg";
      cluster.s3().put("photos/" + name, resource("samples/" + name).toByteArray(), type);
      names.add(name);
    }
    cluster
        .s3()
        .put(
            "index.html",
            indexPage(names).getBytes(StandardCharsets.UTF_8),
            "text/html; charset=utf-8");
    return names;
  }

  private static java.io.ByteArrayOutputStream resource(String path) throws IOException {
    try (InputStream in = Demo.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing resource " + path);
      }
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes;
    }
  }

  static String indexPage(List<String> names) {
    StringBuilder cards = new StringBuilder();
    for (String n : names) {
      String key = "photos/" + n;
      cards.append(
          """
            <figure>
              <a href="/%1$s"><img src="/v/sq240/%1$s" width="240" height="240" alt="%2$s"></a>
              <figcaption>%2$s<br>
                <a href="/v/w150/%1$s">w150</a> · <a href="/v/w600/%1$s">w600</a> ·
                <a href="/v/w1200/%1$s">w1200</a> · <a href="/%1$s">original</a>
                <code class="xcache" data-src="/v/sq240/%1$s"></code></figcaption>
            </figure>
          """
              .formatted(key, n));
    }
    return """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>imgcdn demo</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 2rem; background: #fafafa; color: #222; }
      main { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1.2rem; }
      figure { margin: 0; background: #fff; padding: 10px; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
      img { display: block; border-radius: 4px; background: #eee; }
      figcaption { font-size: .85rem; margin-top: .5rem; line-height: 1.5; }
      code { display: block; color: #666; font-size: .75rem; }
    </style></head>
    <body>
    <h1>imgcdn demo</h1>
    <p>Every picture below comes through the edge (memory) &rarr; a shard (RocksDB on disk) &rarr; the origin
    (embedded S3, thumbnails made on demand). Each caption shows the response's <code style="display:inline">X-Cache</code>
    header: which tiers answered, nearest first. Reload the page and the edge answers from memory.</p>
    <main>
    %s</main>
    <script>
      for (const el of document.querySelectorAll('.xcache')) {
        fetch(el.dataset.src, {method: 'HEAD'})
          .then(r => { el.textContent = 'X-Cache: ' + (r.headers.get('X-Cache') || '?'); });
      }
    </script>
    </body></html>
    """
        .formatted(cards);
  }
}
