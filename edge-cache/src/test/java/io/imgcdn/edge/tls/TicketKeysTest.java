package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TicketKeysTest {
  static final Path FILE = Path.of("/etc/imgcdn/ticket.key");

  static byte[] counting(int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  @Test
  void parse_twoKeys_nameAesHmacInNginxOrder_newestFirst() throws Exception {
    byte[] file = counting(96);
    TicketKeys keys = TicketKeys.parse(FILE, file);
    assertThat(keys.keys()).hasSize(2);
    OpenSslSessionTicketKey first = keys.keys().get(0);
    assertThat(first.name()).isEqualTo(Arrays.copyOfRange(file, 0, 16));
    assertThat(first.aesKey()).isEqualTo(Arrays.copyOfRange(file, 16, 32));
    assertThat(first.hmacKey()).isEqualTo(Arrays.copyOfRange(file, 32, 48));
    assertThat(keys.keys().get(1).name()).isEqualTo(Arrays.copyOfRange(file, 48, 64));
    assertThat(keys.toString()).isEqualTo("2 keys from " + FILE);
  }

  @Test
  void parse_wrongSizes_sayWhatIsExpected() {
    for (int size : new int[] {0, 47, 80, 100, 17 * 48}) {
      assertThatThrownBy(() -> TicketKeys.parse(FILE, new byte[size]))
          .isInstanceOf(TlsFileException.class)
          .hasMessage(
              FILE
                  + ": "
                  + size
                  + " bytes (expected: 1 to 16 keys of 48 bytes, newest first; make one with"
                  + " openssl rand 48)");
    }
  }

  @Test
  void rotate_putsANewKeyFirst_andKeepsOnlyThePreviousNewest() {
    TicketKeys first = TicketKeys.random();
    TicketKeys second = first.rotate();
    TicketKeys third = second.rotate();
    assertThat(second.keys()).hasSize(2);
    assertThat(second.keys().get(1)).isSameAs(first.keys().get(0));
    assertThat(third.keys()).hasSize(2);
    assertThat(third.keys().get(1)).isSameAs(second.keys().get(0));
    assertThat(third.keys().get(0).name()).isNotEqualTo(second.keys().get(0).name());
  }
}
