package io.imgcdn.origin.processing;

import io.imgcdn.common.url.VariantRules;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import javax.imageio.ImageIO;

/**
 * The BlurHash of an original, computed from a small thumbnail that the engine makes of it, so it
 * sees the picture as every variant does (EXIF orientation applied, colour converted to sRGB, alpha
 * flattened onto the default background).
 */
public final class Placeholder {
  /*
   * Why a thumbnail and not the engine's own decoded pixels: ImageEngine's one operation is
   * bytes -> encoded variant, and both engines decode with shrink-on-load (libvips) or
   * subsampling (ImageIO), so a 32 px box is the cheap decode of a large original anyway. The
   * thumbnail is a high-quality JPEG (no alpha to handle, a lossless PNG would cost more to
   * encode and decode for no visible difference in 4x3 cosines); 32 px across is what the
   * reference encoders are usually fed as well.
   */

  /**
   * The name under {@code /v/} that answers an original's BlurHash instead of a variant; no preset
   * may take it.
   */
  public static final String BLURHASH_PRESET = VariantRules.BLURHASH;

  /** Components across and down of the served hash (Mastodon's and the reference default). */
  public static final int COMPONENTS_X = 4;

  public static final int COMPONENTS_Y = 3;

  /** The thumbnail box the hash is computed from. */
  static final VariantSpec SAMPLE = VariantSpec.parse("w=32,h=32,q=90");

  private Placeholder() {}

  /**
   * The BlurHash of {@code source} with {@code componentsX x componentsY} components.
   *
   * @throws ImageProcessingException as {@link ImageEngine#render} does for the source
   */
  public static String blurHash(
      ImageEngine engine,
      byte[] source,
      ImageLimits limits,
      Instant deadline,
      int componentsX,
      int componentsY)
      throws ImageProcessingException {
    Thumbnail sample = engine.render(source, SAMPLE, limits, deadline);
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(sample.bytes()));
    } catch (IOException e) {
      throw ImageProcessingException.internal("cannot read back our own " + sample, e);
    }
    if (image == null) {
      throw ImageProcessingException.internal("no ImageIO reader for our own " + sample, null);
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
    return BlurHash.encode(rgb, w, h, componentsX, componentsY);
  }
}
