package io.imgcdn.launcher.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace made by a test, joined to the root namespace by a veth pair with a private
 * /30, and an nftables table inside it that passes traffic, drops a random fraction of the packets,
 * or drops all of them. Needs CAP_NET_ADMIN, {@code ip} (iproute2) and {@code nft} (nftables).
 */
final class NetnsLink implements AutoCloseable {
  /*
   * Why nftables and not `tc netem`: this kernel has no netem
   * (bench/results/2026-11-reliability.md, "Run them"), but its netfilter has `numgen random`,
   * which drops each packet with a given probability; a plain `drop` makes a partition in which
   * connects time out rather than being refused. The rules sit on the input and output hooks inside
   * the namespace, so every packet crossing the veth, in either direction, meets them once. A mode
   * change replaces both chains' rules in one nft transaction (`nft -f -`).
   *
   * Names and addresses are random so that two runs on one machine do not collide: the namespace is
   * imgcdn-<8 hex>, the veth ends im<8 hex>h / im<8 hex>n (15 characters at most, the kernel's limit), and
   * the /30 is taken from 10.213.0.0/16 (host end .1, namespace end .2 of the block). Deleting the
   * namespace destroys its veth end and with it the pair; close() also deletes the host end, so the pair is
   * gone when it returns. Every namespace made is remembered until deleted, so a test can delete what a
   * failure left behind (deleteAll(), also run by a shutdown hook).
   */
  private static final Set<NetnsLink> OPEN = ConcurrentHashMap.newKeySet();
  private static final String TABLE = "inet imgcdn_fault";

  static {
    // A test JVM stopped by SIGTERM (e.g. a surefire timeout) runs no @AfterAll, but it runs this.
    Runtime.getRuntime().addShutdownHook(new Thread(NetnsLink::deleteAll, "netns-cleanup"));
  }

  private final String name;
  private final String hostVeth;
  private final String hostAddress;
  private final String namespaceAddress;

  private NetnsLink(String tag, int block) {
    this.name = "imgcdn-" + tag;
    this.hostVeth = "im" + tag + "h";
    int third = block >> 6;
    int fourth = (block & 63) * 4;
    this.hostAddress = "10.213." + third + "." + (fourth + 1);
    this.namespaceAddress = "10.213." + third + "." + (fourth + 2);
  }

  /** Creates the namespace, the veth pair and the (passing) nftables table. */
  static NetnsLink create() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    NetnsLink link =
        new NetnsLink(HexFormat.of().toHexDigits(random.nextInt()), random.nextInt(256 * 64));
    OPEN.add(link);
    try {
      link.setUp();
      return link;
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private void setUp() {
    String nsVeth = hostVeth.substring(0, hostVeth.length() - 1) + "n";
    run("ip", "netns", "add", name);
    run("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth);
    run("ip", "link", "set", nsVeth, "netns", name);
    run("ip", "addr", "add", hostAddress + "/30", "dev", hostVeth);
    run("ip", "link", "set", hostVeth, "up");
    inNamespace("ip", "addr", "add", namespaceAddress + "/30", "dev", nsVeth);
    inNamespace("ip", "link", "set", nsVeth, "up");
    inNamespace("ip", "link", "set", "lo", "up");
    nft(
        "add table "
            + TABLE
            + "\n"
            + "add chain "
            + TABLE
            + " input { type filter hook input priority 0; }\n"
            + "add chain "
            + TABLE
            + " output { type filter hook output priority 0; }\n");
  }

  /** The namespace's name (imgcdn-...). */
  String name() {
    return name;
  }

  /** The root namespace's end of the veth pair. */
  String hostAddress() {
    return hostAddress;
  }

  /** The address inside the namespace. */
  String namespaceAddress() {
    return namespaceAddress;
  }

  /** The words to put before a command so that it runs inside the namespace. */
  List<String> execPrefix() {
    return List.of("ip", "netns", "exec", name);
  }

  /** Every packet passes. */
  void pass() {
    rules("");
  }

  /** Each packet in or out of the namespace is dropped with probability {@code percent}/100. */
  void loss(int percent) {
    if (percent < 1 || percent > 99) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 1 to 99)");
    }
    rules("numgen random mod 100 < " + percent + " counter drop");
  }

  /** Every packet is dropped: connects time out, open connections go silent. */
  void partition() {
    rules("counter drop");
  }

  /** Packets the current loss or partition rules have dropped so far (0 while passing). */
  long droppedPackets() {
    List<String> command = new ArrayList<>(execPrefix());
    command.addAll(List.of("nft", "list", "table", TABLE));
    Matcher m = Pattern.compile("counter packets (\\d+)").matcher(run(command, null));
    long dropped = 0;
    while (m.find()) {
      dropped += Long.parseLong(m.group(1));
    }
    return dropped;
  }

  private void rules(String rule) {
    StringBuilder script = new StringBuilder();
    for (String chain : List.of("input", "output")) {
      script.append("flush chain ").append(TABLE).append(' ').append(chain).append('\n');
      if (!rule.isEmpty()) {
        script
            .append("add rule ")
            .append(TABLE)
            .append(' ')
            .append(chain)
            .append(' ')
            .append(rule)
            .append('\n');
      }
    }
    nft(script.toString());
  }

  private void nft(String script) {
    List<String> command = new ArrayList<>(execPrefix());
    command.addAll(List.of("nft", "-f", "-"));
    run(command, script);
  }

  private void inNamespace(String... command) {
    List<String> all = new ArrayList<>(execPrefix());
    all.addAll(List.of(command));
    run(all, null);
  }

  private static void run(String... command) {
    run(List.of(command), null);
  }

  private static String run(List<String> command, String stdin) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + ": no exit within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command)
                + ": exit status "
                + p.exitValue()
                + " (expected: 0; needs root with CAP_NET_ADMIN, iproute2 and nftables): "
                + output.strip());
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(
          String.join(" ", command) + " (needs iproute2 and nftables)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Deletes the namespace and the veth pair. A process still inside would keep the namespace alive
   * after its name is gone, so any left there (started by the test that made it) is killed first,
   * by pid.
   */
  @Override
  public void close() {
    OPEN.remove(this);
    try {
      run(List.of("ip", "netns", "pids", name), null)
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .forEach(
              pid ->
                  ProcessHandle.of(Long.parseLong(pid))
                      .ifPresent(
                          p -> {
                            p.destroyForcibly();
                            p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
                          }));
    } catch (RuntimeException e) {
      // no namespace (never made, or already deleted): nothing inside to stop
    }
    for (List<String> command :
        List.of(
            List.of("ip", "netns", "delete", name), List.of("ip", "link", "delete", hostVeth))) {
      try {
        run(command, null);
      } catch (RuntimeException e) {
        // already gone (or never made): keep cleaning up
      }
    }
  }

  /** Deletes every namespace made in this JVM that is still there. */
  static void deleteAll() {
    List.copyOf(OPEN).forEach(NetnsLink::close);
  }

  /** Whether the namespace exists (ip netns list names it). */
  boolean exists() {
    return run(List.of("ip", "netns", "list"), null)
        .lines()
        .anyMatch(l -> l.split(" ")[0].equals(name));
  }
}
