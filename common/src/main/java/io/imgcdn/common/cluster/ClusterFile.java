package io.imgcdn.common.cluster;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.hashring.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the cluster file every node builds its rings from. One node per line:
 *
 * <pre>
 * # role   id        address          weight (optional, default 1)   admin port (optional)
 * shard    shard-1   10.0.0.11:8081   1                              admin=10.0.0.11:9081
 * origin   origin-1  10.0.0.21:8090                                  admin=10.0.0.21:9090
 * edge     edge-1    10.0.0.1:8080                                   admin=10.0.0.1:9080
 * </pre>
 *
 * Edge lines take no weight: edges are never routed to (no ring contains them); they are listed so
 * that operators' tools ({@code imgcdn purge}) find every node. Blank lines and text after '#' are
 * ignored. Every problem is reported with its line number.
 */
public final class ClusterFile {
  private static final String ADMIN = "admin=";

  private ClusterFile() {}

  public static Membership read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          List.of("cluster file " + file + ": cannot read (" + e.getMessage() + ")"));
    }
    return parse(text, file.toString());
  }

  public static Membership parse(String text, String source) {
    List<Node> shards = new ArrayList<>();
    List<Node> origins = new ArrayList<>();
    List<Node> edges = new ArrayList<>();
    Map<String, String> admin = new HashMap<>();
    List<String> problems = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = source + ":" + (i + 1) + ": ";
      String[] f = line.split("\\s+");
      String adminAddress = null;
      if (f.length > 3 && f[f.length - 1].startsWith(ADMIN)) {
        adminAddress = f[f.length - 1].substring(ADMIN.length());
        f = java.util.Arrays.copyOf(f, f.length - 1);
      }
      if (f.length < 3 || f.length > 4) {
        problems.add(
            where + "'" + line + "' (expected: role id host:port [weight] [admin=host:port])");
        continue;
      }
      String role = f[0];
      if (!role.equals("shard") && !role.equals("origin") && !role.equals("edge")) {
        problems.add(where + "role '" + role + "' (expected: shard, origin or edge)");
        continue;
      }
      String address = f[2];
      if (!isHostPort(address)) {
        problems.add(where + "address '" + address + "' (expected: host:port with port 1-65535)");
        continue;
      }
      if (adminAddress != null && !isHostPort(adminAddress)) {
        problems.add(
            where
                + "admin address '"
                + adminAddress
                + "' (expected: admin=host:port with port 1-65535)");
        continue;
      }
      int weight = 1;
      if (f.length == 4 && role.equals("edge")) {
        problems.add(
            where
                + "weight '"
                + f[3]
                + "' on an edge line (expected: none; edges are not routed to)");
        continue;
      }
      if (f.length == 4) {
        try {
          weight = Integer.parseInt(f[3]);
        } catch (NumberFormatException e) {
          weight = -1;
        }
        if (weight < 1 || weight > 1000) {
          problems.add(where + "weight '" + f[3] + "' (expected: an integer from 1 to 1000)");
          continue;
        }
      }
      if (!ids.add(f[1])) {
        problems.add(where + "node id '" + f[1] + "' appears twice");
        continue;
      }
      if (!addresses.add(address)) {
        problems.add(where + "address '" + address + "' appears twice");
        continue;
      }
      if (adminAddress != null && !addresses.add(adminAddress)) {
        problems.add(where + "admin address '" + adminAddress + "' appears twice");
        continue;
      }
      Node node;
      try {
        node = new Node(f[1], address, weight);
      } catch (IllegalArgumentException e) {
        problems.add(where + e.getMessage());
        continue;
      }
      (role.equals("shard") ? shards : role.equals("origin") ? origins : edges).add(node);
      if (adminAddress != null) {
        admin.put(node.id(), adminAddress);
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Membership(shards, origins, edges, admin);
  }

  private static boolean isHostPort(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      return port >= 1 && port <= 65_535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The file's text for a membership; what Ansible templates and what the demo writes. */
  public static String format(Membership membership) {
    StringBuilder out =
        new StringBuilder("# imgcdn cluster file: role id host:port [weight] [admin=host:port]\n");
    for (Node n : membership.shards()) {
      line(
          out.append("shard ")
              .append(n.id())
              .append(' ')
              .append(n.address())
              .append(' ')
              .append(n.weight()),
          membership,
          n);
    }
    for (Node n : membership.origins()) {
      line(
          out.append("origin ")
              .append(n.id())
              .append(' ')
              .append(n.address())
              .append(' ')
              .append(n.weight()),
          membership,
          n);
    }
    for (Node n : membership.edges()) {
      line(out.append("edge ").append(n.id()).append(' ').append(n.address()), membership, n);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, Membership membership, Node n) {
    String admin = membership.adminAddress(n.id());
    if (admin != null) {
      out.append(' ').append(ADMIN).append(admin);
    }
    out.append('\n');
  }
}
