package io.imgcdn.edge.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Session ticket keys (RFC 5077; TLS 1.3 tickets are sealed the same way): the first encrypts new
 * tickets, every one decrypts tickets it issued earlier. Edges given the same keys resume each
 * other's sessions.
 */
record TicketKeys(List<OpenSslSessionTicketKey> keys, String source) {
  /*
   * File format: one or more 48-byte keys, newest first, each 16 bytes of name, 16 of AES key and 16 of
   * HMAC key: nginx's 48-byte ssl_session_ticket_key layout, and the size BoringSSL's ticket callback in
   * netty-tcnative takes (AES-128-CBC and HMAC-SHA256). nginx's 80-byte keys (AES-256) do not fit that
   * callback, so they are refused rather than cut short. Rotating means writing a new key in front and
   * dropping the last, e.g. { openssl rand 48; head -c 96 ticket.key; } > ticket.key.new && mv ...
   * The name only tells keys apart (a ticket names the key that sealed it); it is not secret.
   */

  /** Bytes of one key in the file. */
  static final int KEY_BYTES = 48;

  /** Keys one file may hold: more would only make every ticket lookup longer. */
  static final int MAX_KEYS = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The keys of a ticket key file. */
  static TicketKeys parse(Path file, byte[] contents) throws TlsFileException {
    int n = contents.length / KEY_BYTES;
    if (contents.length == 0 || contents.length % KEY_BYTES != 0 || n > MAX_KEYS) {
      throw new TlsFileException(
          file,
          contents.length
              + " bytes (expected: 1 to "
              + MAX_KEYS
              + " keys of "
              + KEY_BYTES
              + " bytes, newest first; make one with openssl rand 48)");
    }
    List<OpenSslSessionTicketKey> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int at = i * KEY_BYTES;
      keys.add(
          new OpenSslSessionTicketKey(
              Arrays.copyOfRange(contents, at, at + 16),
              Arrays.copyOfRange(contents, at + 32, at + 48), // HMAC key
              Arrays.copyOfRange(contents, at + 16, at + 32))); // AES key
    }
    return new TicketKeys(List.copyOf(keys), file.toString());
  }

  /** One new random key: for an edge without a key file. */
  static TicketKeys random() {
    return new TicketKeys(List.of(newKey()), "random");
  }

  /** A new random key in front of this set's newest: tickets of the previous period still work. */
  TicketKeys rotate() {
    return new TicketKeys(List.of(newKey(), keys.get(0)), source);
  }

  OpenSslSessionTicketKey[] array() {
    return keys.toArray(new OpenSslSessionTicketKey[0]);
  }

  private static OpenSslSessionTicketKey newKey() {
    byte[] bytes = new byte[KEY_BYTES];
    RANDOM.nextBytes(bytes);
    return new OpenSslSessionTicketKey(
        Arrays.copyOfRange(bytes, 0, 16),
        Arrays.copyOfRange(bytes, 16, 32),
        Arrays.copyOfRange(bytes, 32, 48));
  }

  @Override
  public String toString() {
    return keys.size() + (keys.size() == 1 ? " key" : " keys") + " from " + source;
  }
}
