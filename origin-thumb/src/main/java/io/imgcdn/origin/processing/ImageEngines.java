package io.imgcdn.origin.processing;

import java.util.Optional;

/** The available {@link ImageEngine}s. */
public final class ImageEngines {

  /**
   * AVIF encoder effort of the libvips engine unless configured (docs/ORIGIN.md: cost per effort).
   */
  public static final int DEFAULT_AVIF_EFFORT = LibvipsEngine.DEFAULT_AVIF_EFFORT;

  private static final ImageEngine JAVA = new JavaImageEngine();

  private ImageEngines() {}

  /**
   * The pure Java engine (ImageIO + TwelveMonkeys + imgscalr), always available: reads JPEG
   * (CMYK/YCCK too), PNG, GIF, BMP and WebP; writes JPEG, PNG and GIF.
   */
  public static ImageEngine java() {
    return JAVA;
  }

  /**
   * The libvips engine (Debian's libvips42 through java.lang.foreign), if libvips is installed and
   * loads; empty otherwise ({@link #libvipsUnavailableReason()} says why). Needs {@code
   * --enable-native-access=ALL-UNNAMED}.
   */
  public static Optional<ImageEngine> libvips() {
    return libvips(DEFAULT_AVIF_EFFORT);
  }

  /**
   * The libvips engine encoding AVIF with {@code avifEffort} (0 fastest .. 9 smallest; libvips's
   * own default is 4).
   */
  public static Optional<ImageEngine> libvips(int avifEffort) {
    return Libvips.load().map(vips -> new LibvipsEngine(vips, avifEffort));
  }

  /** Why {@link #libvips()} is empty, for the start-up log; empty string if it is available. */
  public static String libvipsUnavailableReason() {
    return Libvips.load().isPresent() ? "" : Libvips.loadFailure;
  }

  /**
   * Frees libvips's per-thread state; call it at the end of each pool thread that ran the libvips
   * engine (e.g. in a finally block around the thread's work). A no-op without libvips.
   */
  public static void releaseThreadResources() {
    Libvips.load().ifPresent(Libvips::threadShutdown);
  }

  /** libvips when available, else the Java engine. */
  public static ImageEngine best() {
    return libvips().orElseGet(ImageEngines::java);
  }

  /** libvips (with {@code avifEffort}) when available, else the Java engine. */
  public static ImageEngine best(int avifEffort) {
    return libvips(avifEffort).orElseGet(ImageEngines::java);
  }
}
