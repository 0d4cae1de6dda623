package io.imgcdn.common.cluster;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.hashring.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the cluster file every node builds its rings from. One node per line:
 *
 * <pre>
 * # role   id        address          weight (optional, default 1)
 * shard    shard-1   10.0.0.11:8081   1
 * origin   origin-1  10.0.0.21:8090
 * </pre>
 *
 * Blank lines and text after '#' are ignored. Every problem is reported with its line number.
 */
public final class ClusterFile {
  private ClusterFile() {}

  public static Membership read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of("cluster file " + file + ": cannot read (" + e.getMessage() + ")"));
    }
    return parse(text, file.toString());
  }

  public static Membership parse(String text, String source) {
    List<Node> shards = new ArrayList<>();
    List<Node> origins = new ArrayList<>();
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
      if (f.length < 3 || f.length > 4) {
        problems.add(where + "'" + line + "' (expected: role id host:port [weight])");
        continue;
      }
      String role = f[0];
      if (!role.equals("shard") && !role.equals("origin")) {
        problems.add(where + "role '" + role + "' (expected: shard or origin)");
        continue;
      }
      String address = f[2];
      int colon = address.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65_535) {
        problems.add(where + "address '" + address + "' (expected: host:port with port 1-65535)");
        continue;
      }
      int weight = 1;
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
      Node node;
      try {
        node = new Node(f[1], address, weight);
      } catch (IllegalArgumentException e) {
        problems.add(where + e.getMessage());
        continue;
      }
      (role.equals("shard") ? shards : origins).add(node);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Membership(shards, origins);
  }

  /** The file's text for a membership; what Ansible templates and what the demo writes. */
  public static String format(Membership membership) {
    StringBuilder out = new StringBuilder("# imgcdn cluster file: role id host:port weight\n");
    for (Node n : membership.shards()) {
      out.append("shard ").append(n.id()).append(' ').append(n.address()).append(' ').append(n.weight()).append('\n');
    }
    for (Node n : membership.origins()) {
      out.append("origin ").append(n.id()).append(' ').append(n.address()).append(' ').append(n.weight()).append('\n');
    }
    return out.toString();
  }
}
