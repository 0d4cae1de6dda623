package io.imgcdn.origin.processing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.imgcdn.origin.options.Fit;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import io.imgcdn.origin.security.LimitExceededException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** The libvips engine: {@code vips_thumbnail_buffer} (shrink-on-load) through java.lang.foreign. */
final class LibvipsEngine implements ImageEngine {

  /*
   * Steps (a Pipeline, deadline checked before each):
   *   1. source-size: refuse more than maxSourceBytes; copy the source into native memory, which
   *      must outlive every image made from it (vips_thumbnail_buffer does not copy its input).
   *   2. sniff: vips_foreign_find_load_buffer picks a loader from the magic bytes; none (or only a
   *      blocked one) -> 415.
   *   3. header: vips_image_new_from_buffer reads the header only (libvips is lazy); width, height
   *      and n-pages are checked against the limits before any pixel is decoded. STACK-NOTES:
   *      without this, libvips grew to 23 GB on a 1.4 KB JPEG bomb and aborted the process on a GIF
   *      bomb.
   *   4. thumbnail: vips_thumbnail_buffer. For fit=inside with size=force and exactly the
   *      Geometry size computed from the header (libvips's own rounding after shrink-on-load
   *      differs by a pixel at times, e.g. 1600x1203 at w=300 gave 225 rows, not 226); for cover
   *      with size=down (never upscale) and crop=centre. export_profile=srgb only when the header
   *      shows an embedded ICC profile: 8.14 keeps the profile's colour space otherwise (and we
   *      strip the profile on save), while on untagged sRGB input it shifts colours (pure red
   *      came out 248,25,17). Untagged CMYK is imported with libvips's fallback CMYK profile.
   *      Always option_string "fail_on=truncated" (the separate fail_on argument does nothing in
   *      8.14.1; the option string turns truncation hangs and aborts into errors). libvips applies
   *      EXIF orientation itself and decodes JPEG at 1/2..1/8 scale (shrink-on-load). Lazy:
   *      nothing is decoded yet.
   *   5. encode: vips_image_write_to_buffer with ".jpg[Q=..,strip,background=R G B]" (the JPEG
   *      saver flattens alpha onto that background; black by default), ".png[strip]" or
   *      ".webp[Q=..,strip]". This runs the whole pipeline. Progress reporting is on, and an
   *      "eval" handler kills the computation once the deadline passes (-> 504). A decode error
   *      surfaces here too (-> 422).
   *
   * All native memory of a job lives in one confined Arena closed at the end; libvips objects
   * are unreffed and the encoded buffer g_free'd before that.
   */

  private static final String OPTION_STRING = "fail_on=truncated";

  private final Libvips vips;
  private final String name;
  private final String backgroundOption;
  private final Pipeline<Job> pipeline;

  LibvipsEngine(Libvips vips, int backgroundRgb) {
    this(vips, backgroundRgb, Clock.systemUTC());
  }

  /** {@code pipelineClock} times only the checks between steps (tests move it). */
  LibvipsEngine(Libvips vips, int backgroundRgb, Clock pipelineClock) {
    this.vips = vips;
    this.name = "libvips-" + vips.version;
    this.backgroundOption = String.format(Locale.ROOT, "background=%d %d %d",
        (backgroundRgb >> 16) & 0xFF, (backgroundRgb >> 8) & 0xFF, backgroundRgb & 0xFF);
    this.pipeline = Pipeline.<Job>builder()
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
    try (Job job = new Job(source, spec, limits, deadline)) {
      pipeline.run(job, deadline);
      return new Thumbnail(job.output, spec.format(), job.outputWidth, job.outputHeight);
    }
  }

  /** The state of one render; close() releases every native resource it holds. */
  final class Job implements AutoCloseable {
    final byte[] source;
    final VariantSpec spec;
    final ImageLimits limits;
    final Instant deadline;
    final Arena arena = Arena.ofConfined();
    MemorySegment nativeSource;
    MemorySegment thumbnail = MemorySegment.NULL;
    String loader;
    Geometry geometry;
    boolean embeddedProfile;
    byte[] output;
    int outputWidth;
    int outputHeight;

    Job(byte[] source, VariantSpec spec, ImageLimits limits, Instant deadline) {
      this.source = source;
      this.spec = spec;
      this.limits = limits;
      this.deadline = deadline;
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
      loader = (MemorySegment) vips.findLoadBuffer.invokeExact(
          job.nativeSource, job.nativeSource.byteSize());
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
      header = (MemorySegment) vips.newFromBuffer.invokeExact(job.nativeSource,
          job.nativeSource.byteSize(), job.arena.allocateFrom(""), MemorySegment.NULL);
      if (MemorySegment.NULL.equals(header)) {
        throw ImageProcessingException.corrupt(
            job.loader + " header: " + vips.takeError(), null);
      }
      try {
        width = (int) vips.imageGetWidth.invokeExact(header);
        height = (int) vips.imageGetHeight.invokeExact(header);
        pages = (int) vips.imageGetNPages.invokeExact(header);
        swap = (int) vips.imageGetOrientationSwap.invokeExact(header) != 0;
        job.embeddedProfile = (long) vips.imageGetTypeof.invokeExact(
            header, job.arena.allocateFrom("icc-profile-data")) != 0;
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
    // The thumbnail is upright: an orientation of 5..8 swaps the axes the box applies to.
    job.geometry = swap ? Geometry.of(height, width, job.spec) : Geometry.of(width, height, job.spec);
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
      if (job.embeddedProfile) {
        result = (int) vips.thumbnailBufferExport.invokeExact(
            job.nativeSource, job.nativeSource.byteSize(), out, width,
            a.allocateFrom("height"), height, a.allocateFrom("size"), size,
            a.allocateFrom("crop"), crop,
            a.allocateFrom("export_profile"), a.allocateFrom("srgb"),
            a.allocateFrom("option_string"), a.allocateFrom(OPTION_STRING), MemorySegment.NULL);
      } else {
        result = (int) vips.thumbnailBuffer.invokeExact(
            job.nativeSource, job.nativeSource.byteSize(), out, width,
            a.allocateFrom("height"), height, a.allocateFrom("size"), size,
            a.allocateFrom("crop"), crop,
            a.allocateFrom("option_string"), a.allocateFrom(OPTION_STRING), MemorySegment.NULL);
      }
    } catch (Throwable e) {
      throw ImageProcessingException.internal("vips_thumbnail_buffer: " + e, e);
    }
    if (result != 0) {
      throw ImageProcessingException.corrupt(
          "vips_thumbnail_buffer (" + job.loader + "): " + vips.takeError(), null);
    }
    job.thumbnail = out.get(ADDRESS, 0);
  }

  private void encode(Job job) throws ImageProcessingException {
    VariantSpec spec = job.spec;
    String suffix = switch (spec.format()) {
      case JPEG -> ".jpg[Q=" + spec.quality() + ",strip," + backgroundOption + "]";
      case PNG -> ".png[strip]";
      case WEBP -> ".webp[Q=" + spec.quality() + ",strip]";
    };
    MemorySegment deadlineBlock = job.arena.allocate(Libvips.DEADLINE_BYTES);
    deadlineBlock.set(JAVA_LONG, 0, job.deadline.toEpochMilli());
    MemorySegment bufOut = job.arena.allocate(ADDRESS);
    MemorySegment sizeOut = job.arena.allocate(JAVA_LONG);
    int result;
    try {
      vips.imageSetProgress.invokeExact(job.thumbnail, 1);
      long handler = (long) vips.gSignalConnectData.invokeExact(job.thumbnail,
          job.arena.allocateFrom("eval"), vips.evalCallback, deadlineBlock,
          MemorySegment.NULL, 0);
      if (handler == 0) {
        throw ImageProcessingException.internal("g_signal_connect_data(eval) failed", null);
      }
      job.outputWidth = (int) vips.imageGetWidth.invokeExact(job.thumbnail);
      job.outputHeight = (int) vips.imageGetHeight.invokeExact(job.thumbnail);
      result = (int) vips.writeToBuffer.invokeExact(
          job.thumbnail, job.arena.allocateFrom(suffix), bufOut, sizeOut, MemorySegment.NULL);
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
      throw ImageProcessingException.corrupt("encode " + suffix + " (" + job.loader + "): " + error, null);
    }
    MemorySegment buffer = bufOut.get(ADDRESS, 0);
    long size = sizeOut.get(JAVA_LONG, 0);
    try {
      job.output = buffer.reinterpret(size).toArray(JAVA_BYTE);
    } finally {
      try {
        vips.gFree.invokeExact(buffer);
      } catch (Throwable e) {
        throw ImageProcessingException.internal("g_free: " + e, e);
      }
    }
    if (job.output.length == 0) {
      throw ImageProcessingException.internal("libvips wrote 0 bytes for " + suffix, null);
    }
  }
}
