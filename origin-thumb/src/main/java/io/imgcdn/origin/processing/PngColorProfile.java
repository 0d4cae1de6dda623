package io.imgcdn.origin.processing;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import org.jspecify.annotations.Nullable;
import org.w3c.dom.NodeList;

/**
 * The embedded ICC profile of a PNG (its iCCP chunk) and the conversion of decoded pixels from it
 * to sRGB. The JDK's PNG reader reads the chunk but ignores it: without this, a PNG tagged e.g.
 * ProPhoto RGB or Display P3 comes out with dull or shifted colours.
 */
final class PngColorProfile {

  /*
   * The iCCP chunk holds a zlib-compressed profile (PNG spec, section 11.3.3.3). It is untrusted:
   * inflation stops at MAX_PROFILE_BYTES (a real profile is a few KB; a zlib bomb would be GBs),
   * and a profile that does not parse, is not RGB, or is too big is ignored: the pixels are then
   * taken as sRGB, which is what a browser shows for such a file.
   */

  static final int MAX_PROFILE_BYTES = 1 << 20;

  private PngColorProfile() {}

  /** The RGB profile embedded in the PNG {@code reader} is positioned on, if any. */
  static Optional<ICC_Profile> read(ImageReader reader) throws IOException {
    IIOMetadata metadata = reader.getImageMetadata(0);
    if (metadata == null) {
      return Optional.empty();
    }
    IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree("javax_imageio_png_1.0");
    NodeList iccp = root.getElementsByTagName("iCCP");
    if (iccp.getLength() == 0
        || !(((IIOMetadataNode) iccp.item(0)).getUserObject() instanceof byte[] compressed)) {
      return Optional.empty();
    }
    byte[] bytes = inflate(compressed);
    if (bytes == null) {
      return Optional.empty();
    }
    try {
      ICC_Profile profile = ICC_Profile.getInstance(bytes);
      return profile.getColorSpaceType() == ColorSpace.TYPE_RGB
          ? Optional.of(profile)
          : Optional.empty();
    } catch (IllegalArgumentException malformed) {
      return Optional.empty();
    }
  }

  /** Converts the colour channels of {@code image} (RGB or ARGB, 3 colour bands) in place. */
  static void toSrgb(BufferedImage image, ICC_Profile from) {
    WritableRaster raster = image.getRaster();
    int bands = raster.getNumBands();
    if (bands != 3 && bands != 4) {
      return;
    }
    WritableRaster colour =
        bands == 3
            ? raster
            : raster.createWritableChild(
                0, 0, raster.getWidth(), raster.getHeight(), 0, 0, new int[] {0, 1, 2});
    ColorConvertOp op =
        new ColorConvertOp(
            new ICC_Profile[] {from, ICC_Profile.getInstance(ColorSpace.CS_sRGB)}, null);
    WritableRaster converted = op.filter(colour, null);
    colour.setRect(converted);
  }

  private static byte @Nullable [] inflate(byte[] compressed) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
      byte[] buffer = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          return null;
        }
        out.write(buffer, 0, n);
        if (out.size() > MAX_PROFILE_BYTES) {
          return null;
        }
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      return null;
    } finally {
      inflater.end();
    }
  }
}
