package io.imgcdn.launcher.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.imgcdn.s3embedded.EmbeddedS3;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Ansible playbooks of {@code ansible/} for real against this machine: the local inventory
 * (1 edge, 3 shards, 1 origin on 127.0.0.1, nodes under start-stop-daemon) deployed by {@code
 * site.yml}, deployed again without a change, then grown by a fourth shard with {@code
 * add_shard.yml} while requests flow through the edge.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnsibleDeployTest {
  /*
   * Needs Debian's ansible, ansible-lint, yamllint and systemd (for systemd-analyze):
   * `apt-get install -y ansible ansible-lint yamllint systemd`; without them the test fails with that command
   * rather than passing vacuously. systemd need not run: the nodes run under start-stop-daemon, and the units
   * production would get are checked with `systemd-analyze verify`.
   *
   * The distribution deployed is assembled from this test's own class path (dist's classes as the dist jar,
   * the runtime jars as lib/), because surefire runs before `package` fills dist/target/lib: the nodes run
   * exactly the code under test. The S3 of originals is an EmbeddedS3 inside this JVM. Every node is a
   * daemon started by start-stop-daemon, outliving ansible-playbook; @AfterAll stops each one through its pid
   * file (checking the pid still belongs to an imgcdn JVM).
   *
   * Ports: one free block (serving base+0..9, admin base+100..109) is picked at random and checked by binding.
   */
  static final String VERSION = "0.0.0-test";
  static final String BUCKET = "imgcdn-ansible";
  static final String ADMIN_TOKEN = "local-admin-token-not-secret";
  static final int KEYS = 500;
  static final String INSTALL_HINT =
      "apt-get update && apt-get install -y ansible ansible-lint yamllint systemd";

  @TempDir static Path root;
  static Path repo;
  static Path ansibleDir;
  static EmbeddedS3 s3;
  static int base;
  static HttpClient http;
  static Process lint;
  static Path lintLog;
  static final Map<String, Duration> timings = new LinkedHashMap<>();

  @BeforeAll
  static void prepare() throws Exception {
    requireTool("ansible-playbook");
    requireTool("ansible-lint");
    requireTool("yamllint");
    requireTool("systemd-analyze");
    repo = repositoryRoot();
    ansibleDir = repo.resolve("ansible");
    // The linters need no cluster: they run beside the deployment.
    lintLog = root.resolve("lint.log");
    lint =
        new ProcessBuilder(
                "sh",
                "-c",
                "yamllint -s . && ansible-lint --nocolor -p && ansible-playbook --syntax-check"
                    + " playbooks/site.yml playbooks/add_shard.yml playbooks/remove_shard.yml"
                    + " playbooks/rolling_restart.yml playbooks/prometheus.yml")
            .directory(ansibleDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(lintLog.toFile())
            .start();
    Path dist = assembleDistribution(root.resolve("dist"));
    s3 = EmbeddedS3.start(root.resolve("s3"), 0, BUCKET, "ansible-access", "ansible-secret-key");
    byte[] jpeg = jpeg();
    for (int i = 0; i < KEYS; i++) {
      s3.put("img/k" + i + ".jpg", jpeg, "image/jpeg");
    }
    base = freePortBlock();
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("imgcdn_local_root", root.resolve("cluster").toString());
    vars.put("imgcdn_local_port_base", String.valueOf(base));
    vars.put("imgcdn_dist_source_dir", dist.toString());
    vars.put("imgcdn_version", VERSION);
    vars.put("java_runtime_home", System.getProperty("java.home"));
    vars.put("imgcdn_admin_token", ADMIN_TOKEN);
    vars.put("imgcdn_log_level", "INFO");
    vars.put("origin_thumb_s3_endpoint", s3.endpoint().toString());
    vars.put("origin_thumb_s3_bucket", BUCKET);
    vars.put("origin_thumb_s3_access_key", s3.accessKey());
    vars.put("origin_thumb_s3_secret_key", s3.secretKey());
    StringBuilder json = new StringBuilder("{");
    vars.forEach(
        (k, v) ->
            json.append(json.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v.replace("\\", "\\\\").replace("\"", "\\\""))
                .append('"'));
    Files.writeString(root.resolve("vars.json"), json.append('}').toString());
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  @AfterAll
  static void stopEverything() throws Exception {
    // Every node this test's playbooks started, by pid file; then the S3 and the linters.
    Path runDir = root.resolve("cluster/run/imgcdn");
    if (Files.isDirectory(runDir)) {
      try (Stream<Path> pidfiles = Files.list(runDir)) {
        for (Path pidfile : pidfiles.filter(p -> p.toString().endsWith(".pid")).toList()) {
          stopByPidfile(pidfile);
        }
      }
    }
    if (s3 != null) {
      s3.close();
    }
    if (lint != null && lint.isAlive()) {
      lint.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    keepLogs();
    timings.forEach(
        (step, took) ->
            System.out.printf("AnsibleDeployTest: %-40s %5.1fs%n", step, took.toMillis() / 1000.0));
  }

  @Test
  @Order(1)
  void site_onAFreshMachine_deploysAClusterThatServesThroughTheEdge() throws Exception {
    // As ansible/README says: the inventory directory, whose files are all read.
    Run run = playbook("site.yml (first run)", "playbooks/site.yml", "-i", "inventories/local");

    assertThat(run.recap())
        .as(run.tail())
        .containsOnlyKeys("edge-1", "shard-1", "shard-2", "shard-3", "origin-1");
    HttpResponse<byte[]> first = get("/img/k1.jpg");
    assertThat(first.statusCode()).as(describe(first)).isEqualTo(200);
    assertThat(first.body()).isEqualTo(s3.get("img/k1.jpg").orElseThrow());
    assertThat(xCache(first)).startsWith("edge-1;miss, shard-").endsWith("origin-1;miss");
    assertThat(xCache(get("/img/k1.jpg"))).isEqualTo("edge-1;hit");
    for (int adminPort : List.of(base + 100, base + 101, base + 102, base + 103, base + 109)) {
      assertThat(admin(adminPort, "/readyz").statusCode())
          .as("readyz on %d", adminPort)
          .isEqualTo(200);
    }
  }

  @Test
  @Order(2)
  void site_systemdUnits_passSystemdAnalyzeVerify() throws Exception {
    List<String> units;
    try (Stream<Path> files = Files.list(root.resolve("cluster/opt/imgcdn/share/systemd"))) {
      units = files.map(Path::toString).filter(f -> f.endsWith(".service")).sorted().toList();
    }
    assertThat(units).hasSize(5);
    List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
    command.addAll(units);
    Process verify = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(verify.waitFor()).as(output).isZero();
    assertThat(output).as("systemd-analyze's complaints").isBlank();
    assertThat(Files.readString(Path.of(units.getFirst())))
        .contains(
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=",
            "LimitNOFILE=",
            "MemoryMax=",
            "-Xmx");
  }

  @Test
  @Order(3)
  void site_runAgain_changesNothing() throws Exception {
    long edgePid = pid("edge-1");

    Run run = playbook("site.yml (second run)", "playbooks/site.yml", "-i", "inventories/local");

    assertThat(run.recap()).as(run.tail()).hasSize(5);
    run.recap()
        .forEach(
            (host, counts) ->
                assertThat(counts.get("changed"))
                    .as(host + " changed, in:\n" + run.tail())
                    .isZero());
    assertThat(pid("edge-1")).isEqualTo(edgePid);
  }

  @Test
  @Order(4)
  void addShard_underLoad_failsNoRequestAndTheNewShardTakesItsShareOfNewKeys() throws Exception {
    for (int i = 0; i < 150; i++) {
      assertThat(get("/img/k" + i + ".jpg").statusCode()).isEqualTo(200);
    }
    long edgePid = pid("edge-1");
    Load load = Load.start(2, 300);

    Run run;
    try {
      run =
          playbook(
              "add_shard.yml",
              "playbooks/add_shard.yml",
              "-i",
              "inventories/local",
              "-i",
              "inventories/local-shard-4",
              "-e",
              "imgcdn_new_shard=shard-4");
    } finally {
      load.stop();
    }

    assertThat(load.requests()).as("requests sent during add_shard.yml").isGreaterThan(50);
    assertThat(load.failures()).as("failed requests: " + load.failureSamples()).isZero();
    assertThat(run.recap().get("edge-1").get("failed")).isZero();
    assertThat(pid("edge-1"))
        .as("the edge reloads its ring, it is not restarted")
        .isEqualTo(edgePid);
    Map<String, Integer> owners = new LinkedHashMap<>();
    for (int i = 300; i < KEYS; i++) {
      HttpResponse<byte[]> r = get("/img/k" + i + ".jpg");
      assertThat(r.statusCode()).isEqualTo(200);
      Matcher shard = Pattern.compile("(shard-\\d+);").matcher(xCache(r));
      assertThat(shard.find()).as(xCache(r)).isTrue();
      owners.merge(shard.group(1), 1, Integer::sum);
    }
    double share = owners.getOrDefault("shard-4", 0) / (double) (KEYS - 300);
    System.out.println("AnsibleDeployTest: owners of 200 new keys after add_shard.yml: " + owners);
    assertThat(share).as("share of new keys on shard-4, owners " + owners).isBetween(0.10, 0.45);
    assertThat(requestsServed(admin(base + 104, "/metrics").body()))
        .as("requests counted by shard-4")
        .isGreaterThanOrEqualTo(owners.getOrDefault("shard-4", 0));
  }

  @Test
  @Order(5)
  void addShard_keysCachedBeforeTheChange_doNotGoBackToS3() throws Exception {
    // Keys 0-149 were cached by the three old shards before add_shard.yml; the quarter of them
    // shard-4 now
    // owns must come from their previous owner (hand-off), not from S3, once the edge forgets them.
    double s3Before = s3Fetches();
    for (int i = 0; i < 150; i++) {
      HttpResponse<String> purged =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + (base + 100)
                              + "/admin/purge?path=/img/k"
                              + i
                              + ".jpg"))
                  .header("Authorization", "Bearer " + ADMIN_TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(purged.statusCode()).as(purged.body()).isEqualTo(200);
    }
    List<String> viaShard4 = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      HttpResponse<byte[]> r = get("/img/k" + i + ".jpg");
      assertThat(r.statusCode()).isEqualTo(200);
      if (xCache(r).contains("shard-4")) {
        viaShard4.add(xCache(r));
      }
    }

    assertThat(viaShard4)
        .as("old keys now owned by shard-4")
        .isNotEmpty()
        .allSatisfy(x -> assertThat(x).matches("edge-1;miss, shard-4;miss, shard-[123];hit"));
    assertThat(s3Fetches())
        .as("S3 GETs for old keys; shard-4 answered " + viaShard4)
        .isEqualTo(s3Before);
  }

  @Test
  @Order(6)
  void prometheusPlaybook_targetsEveryNode_andTheDashboardQueriesOnlyExportedMetrics()
      throws Exception {
    Path prometheus = root.resolve("prometheus");
    playbook(
        "prometheus.yml",
        "playbooks/prometheus.yml",
        "-i",
        "inventories/local",
        "-i",
        "inventories/local-shard-4",
        "-e",
        "imgcdn_prometheus_dir=" + prometheus);

    String targets = Files.readString(prometheus.resolve("file_sd/imgcdn.yml"));
    Matcher target =
        Pattern.compile(
                "targets: \\[\"127\\.0\\.0\\.1:(\\d+)\"]\\s+labels:\\s+tier: (\\w+)\\s+node:"
                    + " ([\\w-]+)")
            .matcher(targets);
    Map<String, String> exported = new LinkedHashMap<>();
    Set<String> metricNames = new java.util.TreeSet<>();
    while (target.find()) {
      HttpResponse<String> metrics = admin(Integer.parseInt(target.group(1)), "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body())
          .as(target.group(3))
          .contains("node=\"" + target.group(3) + "\"")
          .contains("tier=\"" + target.group(2) + "\"");
      exported.put(target.group(3), target.group(2));
      metrics
          .body()
          .lines()
          .filter(l -> !l.startsWith("#") && !l.isBlank())
          .forEach(l -> metricNames.add(l.split("[{ ]", 2)[0]));
    }
    assertThat(exported)
        .containsOnlyKeys("edge-1", "shard-1", "shard-2", "shard-3", "shard-4", "origin-1");
    assertThat(Files.readString(prometheus.resolve("prometheus.yml")))
        .contains("file_sd_configs", "honor_labels: true");

    String dashboard =
        Files.readString(ansibleDir.resolve("monitoring/grafana/imgcdn-dashboard.json"));
    Set<String> queried = new java.util.TreeSet<>();
    // The imgcdn_* series; JVM series (jvm_gc_pause_*) appear only after the first collection.
    Matcher name = Pattern.compile("\\b(imgcdn_[a-z0-9_]+)").matcher(dashboard);
    while (name.find()) {
      queried.add(name.group(1));
    }
    assertThat(queried).hasSizeGreaterThan(10);
    assertThat(metricNames).as("metrics the nodes export").containsAll(queried);
  }

  @Test
  @Order(7)
  void lintAndSyntaxCheck_ofRolesAndPlaybooks_pass() throws Exception {
    assertThat(lint.waitFor(3, TimeUnit.MINUTES)).as("linters finished").isTrue();
    assertThat(lint.exitValue()).as(Files.readString(lintLog)).isZero();
  }

  /**
   * Copies the playbook and node logs to dist/target/ansible-deploy-test/ (the temporary root is
   * deleted).
   */
  static void keepLogs() throws IOException {
    if (repo == null) {
      return;
    }
    Path keep = Files.createDirectories(repo.resolve("dist/target/ansible-deploy-test"));
    List<Path> logs = new ArrayList<>();
    for (Path dir : List.of(root, root.resolve("cluster/var/log/imgcdn"))) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          files.filter(f -> f.toString().endsWith(".log")).forEach(logs::add);
        }
      }
    }
    for (Path log : logs) {
      Files.copy(
          log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  // --- Ansible
  // ---------------------------------------------------------------------------------------------

  record Run(Map<String, Map<String, Integer>> recap, String tail) {}

  static Run playbook(String step, String playbook, String... extraArgs) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("ansible-playbook", playbook, "--diff", "-e", "@" + root.resolve("vars.json")));
    command.addAll(List.of(extraArgs));
    Path log = root.resolve(step.replaceAll("[^A-Za-z0-9.]+", "-") + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(ansibleDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("ANSIBLE_CONFIG", ansibleDir.resolve("ansible.cfg").toString());
    pb.environment().put("ANSIBLE_NOCOLOR", "1");
    pb.environment().put("ANSIBLE_LOCAL_TEMP", root.resolve("ansible-tmp").toString());
    pb.environment().put("ANSIBLE_REMOTE_TEMP", root.resolve("ansible-tmp").toString());
    long start = System.nanoTime();
    Process p = pb.start();
    boolean finished = p.waitFor(10, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    timings.put(step, Duration.ofNanos(System.nanoTime() - start));
    String output = Files.readString(log);
    String tail =
        output
            .lines()
            .skip(Math.max(0, output.lines().count() - 80))
            .reduce("", (a, b) -> a + b + "\n");
    if (!finished || p.exitValue() != 0) {
      fail(
          String.join(" ", command)
              + (finished ? " exited " + p.exitValue() : " timed out")
              + ":\n"
              + tail);
    }
    return new Run(recap(output), tail);
  }

  /** host -> {ok, changed, failed, ...} from the PLAY RECAP. */
  static Map<String, Map<String, Integer>> recap(String output) {
    Map<String, Map<String, Integer>> hosts = new LinkedHashMap<>();
    int at = output.lastIndexOf("PLAY RECAP");
    if (at < 0) {
      return hosts;
    }
    Pattern line = Pattern.compile("^(\\S+)\\s+:\\s+(.*)$");
    Pattern count = Pattern.compile("(\\w+)=(\\d+)");
    for (String l : output.substring(at).lines().skip(1).toList()) {
      Matcher m = line.matcher(l.strip());
      if (!m.matches()) {
        if (l.isBlank()) {
          break;
        }
        continue;
      }
      Map<String, Integer> counts = new LinkedHashMap<>();
      Matcher c = count.matcher(m.group(2));
      while (c.find()) {
        counts.put(c.group(1), Integer.parseInt(c.group(2)));
      }
      hosts.put(m.group(1), counts);
    }
    return hosts;
  }

  static void requireTool(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        fail(tool + " --version exited " + p.exitValue() + "; install it: " + INSTALL_HINT);
      }
    } catch (IOException | InterruptedException e) {
      fail(
          tool
              + " is not installed ("
              + e.getMessage()
              + "); this test runs the playbooks for real. Install: "
              + INSTALL_HINT);
    }
  }

  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("ansible/ansible.cfg"))) {
        return p;
      }
    }
    throw new IllegalStateException("no ansible/ansible.cfg above " + Path.of("").toAbsolutePath());
  }

  // --- The distribution and the data
  // ------------------------------------------------------------------------

  /**
   * dist-VERSION.jar (dist's classes) and lib/ (copies of this JVM's runtime jars), as `./imgcdn
   * build` lays them out. Copies, not links: sibling jars in ~/.m2 may be reinstalled while the
   * test runs, and the second site.yml run must see the same build.
   */
  static Path assembleDistribution(Path dir) throws IOException {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Set<String> testOnly =
        Set.of(
            "junit-", "assertj-", "opentest4j-", "apiguardian-", "byte-buddy", "surefire", "jqwik");
    boolean distJar = false;
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      String name = p.getFileName().toString();
      if (name.equals("test-classes")
          || name.endsWith("-tests.jar")
          || testOnly.stream().anyMatch(name::startsWith)) {
        continue;
      }
      if (Files.isDirectory(p) && p.endsWith(Path.of("dist", "target", "classes"))) {
        jar(p, dir.resolve("dist-" + VERSION + ".jar"));
        distJar = true;
      } else if (name.startsWith("dist-") && name.endsWith(".jar")) {
        Files.copy(p, dir.resolve("dist-" + VERSION + ".jar"));
        distJar = true;
      } else if (name.endsWith(".jar") && Files.isRegularFile(p)) {
        Files.copy(p, lib.resolve(name));
      }
    }
    assertThat(distJar)
        .as("dist's classes on the class path " + System.getProperty("java.class.path"))
        .isTrue();
    return dir;
  }

  static void jar(Path classes, Path target) throws IOException {
    try (OutputStream file = Files.newOutputStream(target);
        JarOutputStream jar = new JarOutputStream(file);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, jar);
        jar.closeEntry();
      }
    }
  }

  static byte[] jpeg() throws IOException {
    BufferedImage img = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 48; x++) {
        img.setRGB(x, y, (x * 5) << 16 | (y * 7) << 8 | 0x60);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  static int freePortBlock() throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    for (int attempt = 0; attempt < 50; attempt++) {
      int candidate = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      boolean free = true;
      for (int offset : new int[] {0, 1, 2, 3, 4, 9, 100, 101, 102, 103, 104, 109}) {
        try (ServerSocket s = new ServerSocket(candidate + offset, 1, loopback)) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
          break;
        }
      }
      if (free) {
        return candidate;
      }
    }
    throw new IOException("no free block of ports in 20000-40109 after 50 tries");
  }

  // --- Talking to the cluster
  // -------------------------------------------------------------------------------

  static HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + base + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<String> admin(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The sum of imgcdn_requests_total over its labels in a Prometheus text page. */
  static double requestsServed(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("imgcdn_requests_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** S3 GETs of originals made by origin-1 (the count of its imgcdn_origin_s3_fetch timer). */
  static double s3Fetches() throws Exception {
    return admin(base + 109, "/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith("imgcdn_origin_s3_fetch_seconds_count"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static String describe(HttpResponse<byte[]> r) {
    return r.statusCode()
        + " X-Cache: "
        + xCache(r)
        + " body: "
        + new String(r.body(), 0, Math.min(r.body().length, 300), StandardCharsets.UTF_8);
  }

  static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  static long pid(String node) throws IOException {
    return Long.parseLong(
        Files.readString(root.resolve("cluster/run/imgcdn/" + node + ".pid")).strip());
  }

  static void stopByPidfile(Path pidfile) throws Exception {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidfile, StandardCharsets.US_ASCII).strip());
    } catch (IOException | NumberFormatException unreadable) {
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()
        || !handle.get().info().commandLine().orElse("").contains("io.imgcdn.launcher.Main")) {
      return;
    }
    ProcessHandle node = handle.get();
    node.destroy();
    try {
      node.onExit().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      node.destroyForcibly();
      node.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Requests through the edge from a few threads, cycling over the first {@code keys} keys, until
   * stopped.
   */
  static final class Load {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Set<String> samples = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();

    static Load start(int threads, int keys) {
      Load load = new Load();
      for (int t = 0; t < threads; t++) {
        int first = t;
        load.threads.add(
            Thread.ofPlatform()
                .name("load-" + t)
                .start(
                    () -> {
                      for (int i = first; load.running.get(); i += threads) {
                        String path = "/img/k" + (i % keys) + ".jpg";
                        try {
                          HttpResponse<byte[]> r = get(path);
                          if (r.statusCode() != 200) {
                            load.fail(path + " -> " + r.statusCode() + " " + xCache(r));
                          }
                        } catch (Exception e) {
                          load.fail(path + " -> " + e);
                        }
                        load.requests.incrementAndGet();
                        // Pacing, so the load leaves CPU to the playbook on a small machine.
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                      }
                    }));
      }
      return load;
    }

    private void fail(String sample) {
      failures.incrementAndGet();
      if (samples.size() < 5) {
        samples.add(sample);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(15_000);
      }
    }

    long requests() {
      return requests.get();
    }

    long failures() {
      return failures.get();
    }

    Set<String> failureSamples() {
      return samples;
    }
  }
}
