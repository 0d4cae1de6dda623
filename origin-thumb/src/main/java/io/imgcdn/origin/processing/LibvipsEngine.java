package io.imgcdn.origin.processing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.imgcdn.origin.options.Fit;
import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import io.imgcdn.origin.security.LimitExceededException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.imageio.ImageIO;

/** The libvips engine: {@code vips_thumbnail_buffer} (shrink-on-load) through java.lang.foreign. */
final class LibvipsEngine implements ImageEngine {

  /*
   * Steps (a Pipeline, deadline checked before each):
   *   1. source-size: refuse more than maxSourceBytes; copy the source into native memory, which
   *      must outlive every image made from it (vips_thumbnail_buffer does not copy its input).
   *   2. sniff: vips_foreign_find_load_buffer picks a loader from the magic bytes; none (or only a
   *      blocked one) -> 415.
   *   3. header: vips_image_new_from_buffer reads the header only (libvips is lazy); width, height
   *      and n-pages are checked against the limits before any pixel is decoded; then SourceCheck
   *      (a GIF cut short mid-frame, which libnsgif serves as the frames that are whole).
   *      Without this, libvips grew to 23 GB on a 1.4 KB JPEG bomb and aborted the process on a GIF
   *      bomb. The output format is chosen here (a negotiating spec lists candidates), and whether
   *      the output is animated: a GIF or WebP source with several pages, fit=inside (libvips
   *      8.14's centre crop cuts the stacked pages as one tall image, so cover gives the first
   *      frame), a candidate that animates (WebP, GIF), and all frames together within
   *      maxSourcePixels (every frame is decoded: no shrink-on-load for GIF). Otherwise the first
   *      frame, as before.
   *   4. thumbnail: vips_thumbnail_buffer. For fit=inside with size=force and exactly the
   *      Geometry size computed from the header (libvips's own rounding after shrink-on-load
   *      differs by a pixel at times, e.g. 1600x1203 at w=300 gave 225 rows, not 226); for cover
   *      with size=down (never upscale) and crop=centre. export_profile=srgb only when the header
   *      shows an embedded ICC profile: 8.14 keeps the profile's colour space otherwise (and we
   *      strip the profile on save), while on untagged sRGB input it shifts colours (pure red
   *      came out 248,25,17). Untagged CMYK is imported with libvips's fallback CMYK profile.
   *      Always option_string "fail_on=..." (the separate fail_on argument does nothing in 8.14.1;
   *      the option string turns truncation hangs and aborts into errors): warning for JPEG,
   *      truncated for the others (see FAIL_ON_JPEG). libvips applies
   *      EXIF orientation itself and decodes JPEG at 1/2..1/8 scale (shrink-on-load). Lazy:
   *      nothing is decoded yet. Animated: "n=-1" in the option string loads every page; the
   *      thumbnail then scales each page (width and height are per page, page-height is kept).
   *   5. encode: vips_image_write_to_buffer with ".jpg[Q=..,strip,background=R G B]" (the JPEG
   *      saver flattens alpha onto the spec's bg; libvips's own default is black), ".png[strip]"
   *      or ".webp[Q=..,strip,profile=none]" (animated when the image has several pages; 8.14's
   *      webpsave embeds the 6,922-byte sRGB profile that export_profile attached even with
   *      strip, so profile=none: the pixels are sRGB already), ".gif" (cgif; animated
   *      likewise) or ".heif[compression=av1,..]" for AVIF (heifsave_buffer only knows the .heif
   *      suffix; compression=av1 makes libheif write ftyp "avif"). This runs the whole pipeline. Progress reporting is on, and an
   *      "eval" handler kills the computation once the deadline passes (-> 504). A decode error
   *      surfaces here too (-> 422).
   *
   * All native memory of a job lives in one confined Arena closed at the end; libvips objects
   * are unreffed and the encoded buffer g_free'd before that.
   */

  /*
   * Damaged sources (docs/ORIGIN.md): libjpeg reports damaged entropy-coded data only as a
   * warning ("Corrupt JPEG data: premature end of data segment") and decodes grey blocks, so JPEG
   * fails on warnings; libpng, libnsgif and libwebp report damage as errors, and libpng's warnings
   * are about metadata (a known-bad sRGB profile), so the others fail on truncation and errors.
   */
  private static final String FAIL_ON_JPEG = "fail_on=warning";
  private static final String FAIL_ON_OTHERS = "fail_on=truncated";

  /*
   * AVIF encoder settings. effort (libaom's cpu-used, inverted: 0 fastest .. 9 slowest; libvips's
   * default is 4) costs CPU steeply for little size at thumbnail sizes; see docs/BENCHMARKS.md
   * ("Origin") for the measurement behind the choice. Quality: AVIF's Q scale is not JPEG's
   * (heifsave's default is 50); the spec's q is on the JPEG scale, so AVIF gets q *
   * AVIF_QUALITY_PERCENT / 100.
   */
  static final int DEFAULT_AVIF_EFFORT = 2;
  static final int AVIF_QUALITY_PERCENT = 75;

  private final Libvips vips;
  private final String name;
  private final int avifEffort;
  private final Pipeline<Job> pipeline;

  LibvipsEngine(Libvips vips, int avifEffort) {
    this(vips, avifEffort, Clock.systemUTC());
  }

  /** {@code pipelineClock} times only the checks between steps (tests move it). */
  LibvipsEngine(Libvips vips, int avifEffort, Clock pipelineClock) {
    if (avifEffort < 0 || avifEffort > 9) {
      throw new IllegalArgumentException("avifEffort: " + avifEffort + " (expected: 0..9)");
    }
    this.vips = vips;
    this.avifEffort = avifEffort;
    this.name = "libvips-" + vips.version;
    this.pipeline =
        Pipeline.<Job>builder()
            .step("source-size", this::copySource)
            .step("sniff", this::sniff)
            .step("header", this::readHeader)
            .step("thumbnail", this::thumbnail)
            .step("encode", this::encode)
            .clock(pipelineClock)
            .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "ImageEngine[" + name + "]";
  }

  @Override
  public Set<OutputFormat> writableFormats() {
    return Probed.WRITABLE;
  }

  /** What this libvips build can encode, probed once per process (heifsave may lack AV1, etc.). */
  private static final class Probed {
    // Class initialisation is lazy and thread-safe: the first call probes, the others read.
    static final Set<OutputFormat> WRITABLE =
        new LibvipsEngine(Libvips.load().orElseThrow(), DEFAULT_AVIF_EFFORT).probeWritable();
  }

  /**
   * Encodes a tiny image in each format: a saver or codec missing from the build shows here, once.
   */
  private Set<OutputFormat> probeWritable() {
    byte[] tiny;
    try {
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", png);
      tiny = png.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory PNG", e);
    }
    EnumSet<OutputFormat> writable = EnumSet.noneOf(OutputFormat.class);
    for (OutputFormat format : OutputFormat.values()) {
      try (Job job =
          new Job(
              tiny,
              VariantSpec.ofWidth(4).withFormat(format),
              ImageLimits.defaults(),
              Instant.now().plusSeconds(30),
              EnumSet.allOf(OutputFormat.class))) {
        pipeline.run(job, job.deadline);
        writable.add(format);
      } catch (ImageProcessingException e) {
        // not writable by this build: left out, negotiation skips it, a request naming it gets 406
      }
    }
    return Set.copyOf(writable);
  }

  List<String> stepNames() {
    return pipeline.stepNames();
  }

  @Override
  public Thumbnail render(byte[] source, VariantSpec spec, ImageLimits limits, Instant deadline)
      throws ImageProcessingException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(deadline, "deadline");
    try (Job job = new Job(source, spec, limits, deadline, writableFormats())) {
      pipeline.run(job, deadline);
      return new Thumbnail(job.output, job.format, job.outputWidth, job.outputHeight);
    }
  }

  /** The state of one render; close() releases every native resource it holds. */
  // Its fields are filled by the pipeline's steps in order, each before the next step reads it.
  @SuppressWarnings("NullAway.Init")
  final class Job implements AutoCloseable {
    final byte[] source;
    final VariantSpec spec;
    final ImageLimits limits;
    final Instant deadline;
    final Set<OutputFormat> writable;
    final Arena arena = Arena.ofConfined();
    MemorySegment nativeSource;
    MemorySegment thumbnail = MemorySegment.NULL;
    String loader;
    Geometry geometry;
    boolean embeddedProfile;

    /** Chosen in the header step from the spec's candidates. */
    OutputFormat format;

    /** Every page is loaded, scaled and written (animated WebP or GIF). */
    boolean animated;

    byte[] output;
    int outputWidth;
    int outputHeight;

    Job(
        byte[] source,
        VariantSpec spec,
        ImageLimits limits,
        Instant deadline,
        Set<OutputFormat> writable) {
      this.source = source;
      this.spec = spec;
      this.limits = limits;
      this.deadline = deadline;
      this.writable = writable;
    }

    @Override
    public void close() {
      try {
        vips.unref(thumbnail);
      } finally {
        arena.close();
      }
    }
  }

  private void copySource(Job job) throws ImageProcessingException {
    try {
      job.limits.checkSourceBytes(job.source.length);
    } catch (LimitExceededException e) {
      throw ImageProcessingException.tooLarge(e.getMessage(), e.getMessage());
    }
    if (job.source.length == 0) {
      throw ImageProcessingException.notAnImage("empty source");
    }
    job.nativeSource = job.arena.allocate(job.source.length);
    MemorySegment.copy(job.source, 0, job.nativeSource, JAVA_BYTE, 0, job.source.length);
  }

  private void sniff(Job job) throws ImageProcessingException {
    MemorySegment loader;
    try {
      loader =
          (MemorySegment)
              vips.findLoadBuffer.invokeExact(job.nativeSource, job.nativeSource.byteSize());
    } catch (Throwable e) {
      throw ImageProcessingException.internal("vips_foreign_find_load_buffer: " + e, e);
    }
    if (MemorySegment.NULL.equals(loader)) {
      throw ImageProcessingException.notAnImage("no libvips loader: " + vips.takeError());
    }
    job.loader = Libvips.cString(loader);
  }

  private void readHeader(Job job) throws ImageProcessingException {
    MemorySegment header;
    int width;
    int height;
    int pages;
    boolean swap;
    try {
      header =
          (MemorySegment)
              vips.newFromBuffer.invokeExact(
                  job.nativeSource,
                  job.nativeSource.byteSize(),
                  job.arena.allocateFrom(""),
                  MemorySegment.NULL);
      if (MemorySegment.NULL.equals(header)) {
        String error = vips.takeError();
        throw ImageProcessingException.corrupt(error, job.loader + " header: " + error, null);
      }
      try {
        width = (int) vips.imageGetWidth.invokeExact(header);
        height = (int) vips.imageGetHeight.invokeExact(header);
        pages = (int) vips.imageGetNPages.invokeExact(header);
        swap = (int) vips.imageGetOrientationSwap.invokeExact(header) != 0;
        job.embeddedProfile =
            (long)
                    vips.imageGetTypeof.invokeExact(
                        header, job.arena.allocateFrom("icc-profile-data"))
                != 0;
      } finally {
        vips.unref(header);
      }
    } catch (ImageProcessingException e) {
      throw e;
    } catch (Throwable e) {
      throw ImageProcessingException.internal("libvips header: " + e, e);
    }
    try {
      job.limits.checkSourceHeader(width, height, Math.max(pages, 1));
      job.limits.checkOutput(job.spec.width(), job.spec.height());
    } catch (LimitExceededException e) {
      throw ImageProcessingException.tooLarge(e.getMessage(), job.loader + ": " + e.getMessage());
    }
    SourceCheck.verify(job.source); // after the limits: a bomb is refused as one
    // The thumbnail is upright: an orientation of 5..8 swaps the axes the box applies to.
    job.geometry =
        swap ? Geometry.of(height, width, job.spec) : Geometry.of(width, height, job.spec);
    chooseFormat(job, (long) width * height * Math.max(pages, 1), pages);
  }

  /** Picks the output format among the spec's candidates, and whether the output is animated. */
  private static void chooseFormat(Job job, long allFramesPixels, int pages)
      throws ImageProcessingException {
    List<OutputFormat> candidates =
        job.spec.candidates().stream().filter(job.writable::contains).toList();
    if (candidates.isEmpty()) {
      throw ImageProcessingException.formatNotSupported(job.spec.format(), "libvips");
    }
    boolean animatedSource =
        pages > 1
            && (job.loader.startsWith("VipsForeignLoadNsgif")
                || job.loader.startsWith("VipsForeignLoadWebp"))
            && job.spec.fit() == Fit.INSIDE
            && allFramesPixels <= job.limits.maxSourcePixels();
    OutputFormat animating =
        animatedSource
            ? candidates.stream().filter(OutputFormat::animates).findFirst().orElse(null)
            : null;
    job.animated = animating != null;
    job.format = animating != null ? animating : candidates.getFirst();
  }

  private void thumbnail(Job job) throws ImageProcessingException {
    VariantSpec spec = job.spec;
    MemorySegment out = job.arena.allocate(ADDRESS);
    int result;
    try {
      // inside: force exactly the Geometry size (computed from the header; never above the
      // source), so both engines agree to the pixel. cover: the box, never upscaled, centre crop.
      Geometry g = job.geometry;
      boolean cover = spec.fit() == Fit.COVER;
      int width = cover ? spec.width() : g.scaledWidth();
      int height = cover ? spec.height() : g.scaledHeight();
      int size = cover ? Libvips.SIZE_DOWN : Libvips.SIZE_FORCE;
      int crop = cover ? Libvips.INTERESTING_CENTRE : Libvips.INTERESTING_NONE;
      Arena a = job.arena;
      String optionString =
          (job.animated ? "n=-1," : "")
              + (job.loader.startsWith("VipsForeignLoadJpeg") ? FAIL_ON_JPEG : FAIL_ON_OTHERS);
      if (job.embeddedProfile) {
        result =
            (int)
                vips.thumbnailBufferExport.invokeExact(
                    job.nativeSource,
                    job.nativeSource.byteSize(),
                    out,
                    width,
                    a.allocateFrom("height"),
                    height,
                    a.allocateFrom("size"),
                    size,
                    a.allocateFrom("crop"),
                    crop,
                    a.allocateFrom("export_profile"),
                    a.allocateFrom("srgb"),
                    a.allocateFrom("option_string"),
                    a.allocateFrom(optionString),
                    MemorySegment.NULL);
      } else {
        result =
            (int)
                vips.thumbnailBuffer.invokeExact(
                    job.nativeSource,
                    job.nativeSource.byteSize(),
                    out,
                    width,
                    a.allocateFrom("height"),
                    height,
                    a.allocateFrom("size"),
                    size,
                    a.allocateFrom("crop"),
                    crop,
                    a.allocateFrom("option_string"),
                    a.allocateFrom(optionString),
                    MemorySegment.NULL);
      }
    } catch (Throwable e) {
      throw ImageProcessingException.internal("vips_thumbnail_buffer: " + e, e);
    }
    if (result != 0) {
      String error = vips.takeError();
      throw ImageProcessingException.corrupt(
          error, "vips_thumbnail_buffer (" + job.loader + "): " + error, null);
    }
    job.thumbnail = out.get(ADDRESS, 0);
  }

  /** The JPEG saver's flattening colour: the spec's {@code bg}. */
  private static String backgroundOption(VariantSpec spec) {
    int rgb = spec.background();
    return String.format(
        Locale.ROOT, "background=%d %d %d", (rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
  }

  @SuppressWarnings("restricted") // sizes the buffer libvips allocated: its length is sizeOut
  private void encode(Job job) throws ImageProcessingException {
    VariantSpec spec = job.spec;
    String suffix =
        switch (job.format) {
          case JPEG -> ".jpg[Q=" + spec.quality() + ",strip," + backgroundOption(spec) + "]";
          case PNG -> ".png[strip]";
          case WEBP -> ".webp[Q=" + spec.quality() + ",strip,profile=none]";
          case GIF -> ".gif";
          case AVIF ->
              ".heif[compression=av1,Q="
                  + Math.max(1, spec.quality() * AVIF_QUALITY_PERCENT / 100)
                  + ",effort="
                  + avifEffort
                  + ",bitdepth=8,strip]";
        };
    MemorySegment deadlineBlock = job.arena.allocate(Libvips.DEADLINE_BYTES);
    deadlineBlock.set(JAVA_LONG, 0, job.deadline.toEpochMilli());
    MemorySegment bufOut = job.arena.allocate(ADDRESS);
    MemorySegment sizeOut = job.arena.allocate(JAVA_LONG);
    int result;
    try {
      vips.imageSetProgress.invokeExact(job.thumbnail, 1);
      long handler =
          (long)
              vips.gSignalConnectData.invokeExact(
                  job.thumbnail,
                  job.arena.allocateFrom("eval"),
                  vips.evalCallback,
                  deadlineBlock,
                  MemorySegment.NULL,
                  0);
      if (handler == 0) {
        throw ImageProcessingException.internal("g_signal_connect_data(eval) failed", null);
      }
      job.outputWidth = (int) vips.imageGetWidth.invokeExact(job.thumbnail);
      // Animated: the image is the pages stacked; the thumbnail's size is one page's.
      job.outputHeight =
          job.animated
              ? (int) vips.imageGetPageHeight.invokeExact(job.thumbnail)
              : (int) vips.imageGetHeight.invokeExact(job.thumbnail);
      result =
          (int)
              vips.writeToBuffer.invokeExact(
                  job.thumbnail,
                  job.arena.allocateFrom(suffix),
                  bufOut,
                  sizeOut,
                  MemorySegment.NULL);
    } catch (ImageProcessingException e) {
      throw e;
    } catch (Throwable e) {
      throw ImageProcessingException.internal("vips_image_write_to_buffer: " + e, e);
    }
    if (result != 0) {
      String error = vips.takeError();
      if (deadlineBlock.get(JAVA_LONG, 8) != 0) {
        throw ImageProcessingException.deadlineExceeded("encode (libvips killed: " + error + ")");
      }
      throw ImageProcessingException.corrupt(
          error, "encode " + suffix + " (" + job.loader + "): " + error, null);
    }
    MemorySegment buffer = bufOut.get(ADDRESS, 0);
    long size = sizeOut.get(JAVA_LONG, 0);
    Throwable freeFailed = null;
    try {
      job.output = buffer.reinterpret(size).toArray(JAVA_BYTE);
    } finally {
      try {
        vips.gFree.invokeExact(buffer);
      } catch (Throwable e) {
        freeFailed = e; // thrown below, so it cannot hide a failure of the copy above
      }
    }
    if (freeFailed != null) {
      throw ImageProcessingException.internal("g_free: " + freeFailed, freeFailed);
    }
    if (job.output.length == 0) {
      throw ImageProcessingException.internal("libvips wrote 0 bytes for " + suffix, null);
    }
  }
}
