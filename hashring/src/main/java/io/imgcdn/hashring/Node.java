package io.imgcdn.hashring;

import static java.util.Objects.requireNonNull;

/**
 * A cluster member: a unique, non-blank {@code id}, an {@code address} of the form {@code
 * host:port}, and a {@code weight} of at least 1 (a node of weight 2 receives twice the keys of a
 * node of weight 1).
 *
 * @param id the node's unique, stable name; the placements other than {@link Placement#NGINX} hash
 *     it, so changing a node's address does not move its keys
 * @param address {@code host:port} (IPv6 hosts in brackets, {@code [::1]:8080}); {@link
 *     Placement#NGINX} hashes it, as nginx hashes its {@code server} lines
 * @param weight relative share of the keys, {@code >= 1}
 */
public record Node(String id, String address, int weight) {

  /** Validates every component and fails with the value and the expectation. */
  public Node {
    requireNonNull(id, "id");
    requireNonNull(address, "address");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id: \"" + id + "\" (expected: non-blank)");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1) for node " + id);
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0
        || colon == address.length() - 1
        || !isPort(address.substring(colon + 1))
        || address.substring(0, colon).isBlank()
        || address.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "address: \"" + address + "\" (expected: host:port with port 1..65535) for node " + id);
    }
  }

  /** A node of weight 1. */
  public static Node of(String id, String address) {
    return new Node(id, address, 1);
  }

  private static boolean isPort(String s) {
    if (s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return false;
    }
    int port = Integer.parseInt(s);
    return port >= 1 && port <= 65_535;
  }
}
