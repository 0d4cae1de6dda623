package io.imgcdn.origin.processing;

/**
 * Reads the EXIF orientation tag (TIFF tag 0x0112, values 1..8) from a JPEG's APP1 segment, without
 * decoding the image. Every read is bounds-checked: the input is untrusted.
 */
final class ExifOrientation {

  /*
   * JPEG: FFD8, then segments FFxx + 2-byte big-endian length (including itself) until SOS
   * (FFDA). APP1 (FFE1) starting "Exif\0\0" holds a TIFF structure: byte order "II" or "MM",
   * 42, offset of IFD0; IFD0 is a 2-byte count of 12-byte entries (tag, type, count, value).
   * Orientation is a SHORT whose value sits in the first 2 bytes of the value field.
   * Reference: EXIF 2.32 (CIPA DC-008), sections 4.5.4 and 4.6.4 (Orientation).
   *
   * Orientation n means "to display, apply": 1 nothing, 2 mirror horizontally, 3 rotate 180,
   * 4 mirror vertically, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 270
   * clockwise. 5..8 swap width and height.
   */

  static final int NORMAL = 1;
  private static final int TAG_ORIENTATION = 0x0112;

  private ExifOrientation() {}

  /** The orientation 1..8 of a JPEG, or 1 when absent, out of range or unreadable. */
  static int of(byte[] jpeg) {
    if (jpeg.length < 4 || u8(jpeg, 0) != 0xFF || u8(jpeg, 1) != 0xD8) {
      return NORMAL;
    }
    int pos = 2;
    while (pos + 4 <= jpeg.length) {
      if (u8(jpeg, pos) != 0xFF) {
        return NORMAL;
      }
      int marker = u8(jpeg, pos + 1);
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return NORMAL; // start of scan / end of image: no EXIF before the pixels
      }
      int length = (u8(jpeg, pos + 2) << 8) | u8(jpeg, pos + 3);
      if (length < 2 || pos + 2 + length > jpeg.length) {
        return NORMAL;
      }
      if (marker == 0xE1 && length >= 8 && isExifHeader(jpeg, pos + 4)) {
        int value = fromTiff(jpeg, pos + 10, pos + 2 + length);
        return value >= 1 && value <= 8 ? value : NORMAL;
      }
      pos += 2 + length;
    }
    return NORMAL;
  }

  /** Whether orientation {@code n} swaps width and height. */
  static boolean swapsAxes(int n) {
    return n >= 5 && n <= 8;
  }

  private static boolean isExifHeader(byte[] b, int at) {
    return u8(b, at) == 'E'
        && u8(b, at + 1) == 'x'
        && u8(b, at + 2) == 'i'
        && u8(b, at + 3) == 'f'
        && u8(b, at + 4) == 0
        && u8(b, at + 5) == 0;
  }

  private static int fromTiff(byte[] b, int tiff, int end) {
    if (tiff + 8 > end) {
      return NORMAL;
    }
    boolean little;
    if (u8(b, tiff) == 'I' && u8(b, tiff + 1) == 'I') {
      little = true;
    } else if (u8(b, tiff) == 'M' && u8(b, tiff + 1) == 'M') {
      little = false;
    } else {
      return NORMAL;
    }
    long ifd = u32(b, tiff + 4, little);
    if (ifd < 8 || tiff + ifd + 2 > end) {
      return NORMAL;
    }
    int entries = u16(b, (int) (tiff + ifd), little);
    int entry = (int) (tiff + ifd + 2);
    for (int i = 0; i < entries && entry + 12 <= end; i++, entry += 12) {
      if (u16(b, entry, little) == TAG_ORIENTATION) {
        return u16(b, entry + 8, little);
      }
    }
    return NORMAL;
  }

  private static int u8(byte[] b, int at) {
    return at >= 0 && at < b.length ? b[at] & 0xFF : -1;
  }

  private static int u16(byte[] b, int at, boolean little) {
    int first = u8(b, at);
    int second = u8(b, at + 1);
    return little ? (second << 8) | first : (first << 8) | second;
  }

  private static long u32(byte[] b, int at, boolean little) {
    long hi = u16(b, little ? at + 2 : at, little);
    long lo = u16(b, little ? at : at + 2, little);
    return (hi << 16) | lo;
  }
}
