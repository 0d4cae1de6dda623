package io.imgcdn.hashring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Placement#NGINX} against owners picked by a real nginx. */
class NginxCompatibilityTest {

  /*
   * Recorded with nginx 1.22.1 (Debian 12) and this upstream, each backend answering its own port:
   *
   *   upstream backend {
   *     hash $request_uri consistent;
   *     server 127.0.0.1:19101 weight=1;   server 127.0.0.1:19102 weight=2;
   *     server 127.0.0.1:19103 weight=1;   server 127.0.0.1:19104 weight=3;
   *     server 127.0.0.1:19105 weight=1;   server 127.0.0.1:19106 weight=1;
   *     server 127.0.0.1:19107 weight=2;
   *   }
   *
   * then curl http://127.0.0.1:19100/v/w600/img/2024/01/02/{100000000 + i}_p0.jpg for i in 0..199.
   * Digit i below is the answering port minus 19100.
   */
  private static final String NGINX_OWNERS =
      "27744325221572411425547474745114774474117416667471564625422337442364751637466131112224771362277512132562234414647476241733427567534544515474477222542612455467122377235234446434622241574226455112347473";

  @Test
  void owner_nginxLayout_agreesWithRealNginxOnEveryKey() {
    int[] weights = {1, 2, 1, 3, 1, 1, 2};
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      // Ids deliberately out of address order: nginx mode must hash addresses, not ids.
      nodes.add(new Node("node-" + (char) ('g' - i), "127.0.0.1:" + (19101 + i), weights[i]));
    }
    NodeLocator ring = HashRings.create(Placement.NGINX, nodes);
    StringBuilder owners = new StringBuilder();
    for (int i = 0; i < NGINX_OWNERS.length(); i++) {
      String uri = "/v/w600/img/2024/01/02/" + (100_000_000 + i) + "_p0.jpg";
      String address = ring.owner(uri).address();
      owners.append(Integer.parseInt(address.substring(address.indexOf(':') + 1)) - 19100);
    }
    assertThat(owners.toString()).isEqualTo(NGINX_OWNERS);
  }

  @Test
  void nginxPoint_unsigned32BitOrder_keptInSignedLongs() {
    long[] crcs = {0, 1, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL};
    for (int i = 1; i < crcs.length; i++) {
      assertThat(Ring.nginxPoint(crcs[i - 1])).isLessThan(Ring.nginxPoint(crcs[i]));
    }
  }
}
