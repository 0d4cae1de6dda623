package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class JpegBodiesTest {

  private static BufferedImage decode(byte[] body) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(body));
    assertThat(image).as("decodable").isNotNull();
    return image;
  }

  @Test
  void body_everyPaddingRemainder_exactSizeAndDecodes() throws IOException {
    JpegBodies bodies = new JpegBodies(1);
    ImageDims dims = new ImageDims(64, 48);
    int base = bodies.gradientSize(dims);
    for (int padding :
        new int[] {0, 1, 2, 3, 4, 5, 65_537, 65_538, 65_539, 65_540, 65_541, 200_000}) {
      byte[] body = bodies.body("key-" + padding, dims, base + padding);
      assertThat(body).as("padding %s", padding).hasSize(base + padding);
      BufferedImage image = decode(body);
      assertThat(image.getWidth()).isEqualTo(64);
      assertThat(image.getHeight()).isEqualTo(48);
    }
  }

  @Test
  void body_sameKey_sameBytes_otherKey_otherBytes() {
    ImageDims dims = new ImageDims(128, 96);

    assertThat(new JpegBodies(3).body("a", dims, 5_000))
        .isEqualTo(new JpegBodies(3).body("a", dims, 5_000));
    assertThat(new JpegBodies(3).body("a", dims, 5_000))
        .isNotEqualTo(new JpegBodies(3).body("b", dims, 5_000));
    assertThat(new JpegBodies(3).body("a", dims, 5_000))
        .isNotEqualTo(new JpegBodies(4).body("a", dims, 5_000));
  }

  @Test
  void body_tooLargeDimsForSize_shrinksDimensions() throws IOException {
    byte[] body = new JpegBodies(1).body("small", new ImageDims(1024, 768), 1_024);

    assertThat(body).hasSize(1_024);
    assertThat(decode(body).getWidth()).isLessThan(1024);
  }

  @Test
  void workloadBodies_smallestAndLargest_decodeAtModelDims() throws IOException {
    Workload w = Workload.generate(WorkloadSpec.defaults(42).withOriginals(3_000).withRequests(0));
    int smallest = 0;
    int mid = 0;
    for (int i = 0; i < w.originalCount(); i++) {
      if (w.originalSize(i) < w.originalSize(smallest)) {
        smallest = i;
      }
      if (Math.abs(w.originalSize(i) - 60_000) < Math.abs(w.originalSize(mid) - 60_000)) {
        mid = i;
      }
    }
    for (int i : new int[] {smallest, mid}) {
      byte[] body = w.body(i);
      assertThat(body).hasSize((int) w.originalSize(i));
      BufferedImage image = decode(body);
      assertThat(image.getWidth()).isLessThanOrEqualTo(w.originalDims(i).width());
    }
    assertThat(decode(w.body(mid)).getWidth()).isEqualTo(w.originalDims(mid).width());
  }
}
