package io.imgcdn.origin.processing;

import java.util.zip.CRC32;

/**
 * Checks of a source's own integrity that a decoder does not make, so that both engines refuse the
 * same damaged files (docs/ORIGIN.md, "Damaged sources"): the JDK's PNG reader ignores chunk CRCs
 * (libpng refuses a bad one in a critical chunk); neither the JDK's GIF reader nor libvips's
 * libnsgif refuses LZW data that is cut short (libnsgif serves the frames that are whole, the JDK
 * fills the rest) and the JDK decodes invalid LZW codes into noise.
 *
 * <p>Each check reads the bytes once without allocating more than a few KB, and throws 422 naming
 * the problem.
 */
final class SourceCheck {

  private SourceCheck() {}

  /** Runs the check that fits the source's signature; other formats pass unchecked. */
  static void verify(byte[] source) throws ImageProcessingException {
    if (isPng(source)) {
      verifyPng(source);
    } else if (isGif(source)) {
      verifyGif(source);
    }
  }

  static boolean isPng(byte[] b) {
    return b.length >= 8
        && (b[0] & 0xFF) == 0x89
        && b[1] == 'P'
        && b[2] == 'N'
        && b[3] == 'G'
        && b[4] == '\r'
        && b[5] == '\n'
        && b[6] == 0x1A
        && b[7] == '\n';
  }

  static boolean isGif(byte[] b) {
    return b.length >= 6
        && b[0] == 'G'
        && b[1] == 'I'
        && b[2] == 'F'
        && b[3] == '8'
        && (b[4] == '7' || b[4] == '9')
        && b[5] == 'a';
  }

  /**
   * Every critical chunk (IHDR, PLTE, IDAT, IEND: an upper-case first letter, PNG spec 5.4) has the
   * CRC it declares (5.3). Ancillary chunks are the decoders' business: libpng drops a damaged one.
   */
  static void verifyPng(byte[] b) throws ImageProcessingException {
    int at = 8;
    CRC32 crc = new CRC32();
    while (at + 12 <= b.length) {
      long length = readInt(b, at) & 0xFFFF_FFFFL;
      if (length > b.length - at - 12L) {
        return; // cut short: the decoder reports truncation in its own words
      }
      int n = (int) length;
      boolean critical = (b[at + 4] & 0x20) == 0;
      if (critical) {
        crc.reset();
        crc.update(b, at + 4, 4 + n);
        if ((int) crc.getValue() != readInt(b, at + 8 + n)) {
          String type = new String(b, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
          throw ImageProcessingException.corrupt(
              "PNG chunk " + printable(type) + " fails its CRC",
              "PNG chunk " + printable(type) + " at byte " + at + ": CRC mismatch",
              null);
        }
      }
      if (b[at + 4] == 'I' && b[at + 5] == 'E' && b[at + 6] == 'N' && b[at + 7] == 'D') {
        return;
      }
      at += 12 + n;
    }
  }

  /**
   * Walks the GIF's blocks (GIF89a spec sections 18-27) and runs each frame's LZW data through a
   * decoder that keeps only string lengths: a code that is not yet in the table, or a frame whose
   * data ends before it has covered its width x height pixels, is damage.
   */
  static void verifyGif(byte[] b) throws ImageProcessingException {
    if (b.length < 13) {
      throw gifCorrupt("ends inside its header", 0);
    }
    int at = 13 + colourTableBytes(b[10]);
    int frame = 0;
    while (at < b.length) {
      int block = b[at] & 0xFF;
      if (block == 0x3B) {
        return; // trailer
      } else if (block == 0x21) {
        at = skipSubBlocks(b, at + 2, frame);
      } else if (block == 0x2C) {
        frame++;
        if (at + 10 > b.length) {
          throw gifCorrupt("ends inside the descriptor of frame " + frame, frame);
        }
        long pixels = (long) readShortLe(b, at + 5) * readShortLe(b, at + 7);
        at += 10 + colourTableBytes(b[at + 9]);
        if (at >= b.length) {
          throw gifCorrupt("ends before the data of frame " + frame, frame);
        }
        int minCodeSize = b[at] & 0xFF;
        if (minCodeSize < 1 || minCodeSize > 11) {
          throw gifCorrupt("frame " + frame + " has LZW code size " + minCodeSize, frame);
        }
        at = verifyLzw(b, at + 1, minCodeSize, pixels, frame);
      } else {
        if (frame > 0) {
          // Bytes after the last frame where the trailer belongs: every frame is whole, as
          // browsers and both decoders show it.
          return;
        }
        throw gifCorrupt("has an unknown block 0x" + Integer.toHexString(block), frame);
      }
    }
    if (frame == 0) {
      throw gifCorrupt("has no frame", 0);
    }
    // No trailer after whole frames: harmless.
  }

  private static int colourTableBytes(byte flags) {
    return (flags & 0x80) != 0 ? 3 << ((flags & 0x07) + 1) : 0;
  }

  private static int skipSubBlocks(byte[] b, int at, int frame) throws ImageProcessingException {
    while (at < b.length) {
      int size = b[at] & 0xFF;
      at += 1 + size;
      if (size == 0) {
        return at;
      }
    }
    throw gifCorrupt("ends inside an extension block after frame " + frame, frame);
  }

  /** Returns the offset after the frame's data sub-blocks. */
  private static int verifyLzw(byte[] b, int at, int minCodeSize, long pixels, int frame)
      throws ImageProcessingException {
    int clear = 1 << minCodeSize;
    int end = clear + 1;
    short[] lengths = new short[4096];
    int next = clear + 2;
    int codeSize = minCodeSize + 1;
    int previous = -1;
    long decoded = 0;
    boolean ended = false;
    int bits = 0;
    int bitCount = 0;
    while (true) {
      if (at >= b.length) {
        throw gifCorrupt(
            "ends inside frame " + frame + " after " + decoded + " of " + pixels + " pixels",
            frame);
      }
      int size = b[at++] & 0xFF;
      if (size == 0) {
        break;
      }
      if (size > b.length - at) {
        throw gifCorrupt(
            "ends inside frame " + frame + " after " + decoded + " of " + pixels + " pixels",
            frame);
      }
      for (int i = 0; i < size && !ended; i++) {
        bits |= (b[at + i] & 0xFF) << bitCount;
        bitCount += 8;
        while (bitCount >= codeSize && !ended) {
          int code = bits & ((1 << codeSize) - 1);
          bits >>>= codeSize;
          bitCount -= codeSize;
          if (code == clear) {
            next = clear + 2;
            codeSize = minCodeSize + 1;
            previous = -1;
          } else if (code == end) {
            ended = true;
          } else {
            int length;
            if (code < clear) {
              length = 1;
            } else if (previous >= 0 && code < next) {
              length = lengths[code];
            } else if (previous >= 0 && code == next) {
              length = lengthOf(lengths, previous, clear) + 1; // the KwKwK case
            } else {
              throw gifCorrupt(
                  "frame " + frame + ": invalid LZW code after " + decoded + " pixels", frame);
            }
            decoded += length;
            if (previous >= 0 && next < 4096) {
              lengths[next] = (short) Math.min(lengthOf(lengths, previous, clear) + 1, 4096);
              next++;
              if (next == 1 << codeSize && codeSize < 12) {
                codeSize++;
              }
            }
            previous = code;
          }
        }
      }
      at += size;
    }
    if (decoded < pixels) {
      throw gifCorrupt(
          "frame " + frame + " has data for " + decoded + " of " + pixels + " pixels", frame);
    }
    return at;
  }

  private static int lengthOf(short[] lengths, int code, int clear) {
    return code < clear ? 1 : lengths[code];
  }

  private static ImageProcessingException gifCorrupt(String problem, int frame) {
    return ImageProcessingException.corrupt(
        "GIF " + problem, "GIF check (frame " + frame + ")", null);
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | b[at + 3] & 0xFF;
  }

  private static int readShortLe(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return sb.toString();
  }
}
