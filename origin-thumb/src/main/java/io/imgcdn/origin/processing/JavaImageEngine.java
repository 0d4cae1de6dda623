package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import io.imgcdn.origin.security.LimitExceededException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.imgscalr.Scalr;
import org.jspecify.annotations.Nullable;

/**
 * The pure Java engine: ImageIO (with TwelveMonkeys' JPEG and WebP plugins) to decode, imgscalr to
 * resize.
 */
final class JavaImageEngine implements ImageEngine {

  /*
   * Steps (a Pipeline, deadline checked before each):
   *   1. source-size: refuse more than maxSourceBytes before touching the bytes.
   *   2. header: find an ImageReader by content (not by name or suffix), read width, height and
   *      frame count from the header only, and check them against the limits. A bomb declaring
   *      30000 x 30000 stops here, having allocated a few KB. No reader -> 415. Then SourceCheck
   *      (PNG chunk CRCs, GIF block structure and LZW data: what the JDK's readers do not check).
   *   3. decode: read frame 0. A progress listener aborts the read when the deadline passes, and
   *      a warning listener turns the decoder's "truncated / corrupt data" warnings into 422:
   *      the JDK's JPEG decoder otherwise fills missing rows with grey and returns normally.
   *   4. resize: imgscalr QUALITY (incremental halving with bicubic steps, Campbell's method),
   *      exactly to the Geometry size (axes swapped for EXIF orientations 5..8).
   *   5. colour: a PNG's embedded ICC profile (iCCP) to sRGB, on the scaled image (the JDK PNG
   *      reader ignores iCCP; TwelveMonkeys converts JPEG profiles while decoding).
   *   6. orient: apply the EXIF orientation (read from APP1 in the header step) to the small
   *      scaled image, where rotating is cheap; ImageIO and TwelveMonkeys ignore the tag.
   *   7. crop: the centred box for fit=cover.
   *   8. flatten: for JPEG, draw onto an opaque RGB image over the background colour. JPEG has no
   *      alpha, and ImageIO.write returns false and writes nothing for ARGB input.
   *   9. encode: JPEG at the spec's quality, or PNG; WebP -> 406 (no pure Java WebP writer).
   *
   * Everything runs on the calling thread on heap memory; the decoded frame is the big
   * allocation (3-4 bytes per source pixel), bounded by maxSourcePixels.
   */

  private static final String NAME = "java";

  /** ImageIO's own writers; no WebP or AVIF writer for the JDK is worth its native code here. */
  private static final Set<OutputFormat> WRITABLE =
      Set.copyOf(EnumSet.of(OutputFormat.JPEG, OutputFormat.PNG, OutputFormat.GIF));

  static {
    // In-memory streams only: ImageIO's default disk cache writes temp files per stream.
    ImageIO.setUseCache(false);
    ImageIO.scanForPlugins();
  }

  private final Pipeline<Job> pipeline;

  JavaImageEngine() {
    this(Clock.systemUTC());
  }

  /** {@code pipelineClock} times only the checks between steps (tests move it). */
  JavaImageEngine(Clock pipelineClock) {
    this.pipeline =
        Pipeline.<Job>builder()
            .step("source-size", JavaImageEngine::checkSourceSize)
            .step("header", JavaImageEngine::readHeader)
            .step("decode", JavaImageEngine::decode)
            .step("resize", JavaImageEngine::resize)
            .step("colour", JavaImageEngine::colour)
            .step("orient", JavaImageEngine::orient)
            .step("crop", JavaImageEngine::crop)
            .step("flatten", JavaImageEngine::flatten)
            .step("encode", JavaImageEngine::encode)
            .clock(pipelineClock)
            .build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<OutputFormat> writableFormats() {
    return WRITABLE;
  }

  @Override
  public String toString() {
    return "ImageEngine[" + NAME + "]";
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
    // One frame only, so no candidate is preferred for animation: the first one ImageIO can write.
    OutputFormat format =
        spec.candidates().stream()
            .filter(WRITABLE::contains)
            .findFirst()
            .orElseThrow(() -> ImageProcessingException.formatNotSupported(spec.format(), NAME));
    try (Job job = new Job(source, spec.withFormat(format), limits, deadline)) {
      pipeline.run(job, deadline);
      return new Thumbnail(job.output, format, job.image.getWidth(), job.image.getHeight());
    } catch (RuntimeException e) {
      // Decoders throw unchecked exceptions (ArrayIndexOutOfBounds, IllegalArgument, CMMException,
      // NegativeArraySize...) on malformed input: the source's fault, not ours.
      throw ImageProcessingException.corrupt(
          "decoder failed (" + e.getClass().getSimpleName() + ")", "decoder failed: " + e, e);
    }
  }

  /** The state of one render, closed after it. */
  // Its fields are filled by the pipeline's steps in order, each before the next step reads it.
  @SuppressWarnings("NullAway.Init")
  static final class Job implements AutoCloseable {
    final byte[] source;
    final VariantSpec spec;
    final ImageLimits limits;
    final Instant deadline;
    final List<String> warnings = new ArrayList<>(0);
    ImageInputStream input;
    ImageReader reader;
    String sourceFormat;
    int sourceWidth;
    int sourceHeight;
    int orientation = ExifOrientation.NORMAL;
    java.awt.color.@Nullable ICC_Profile pngProfile;
    Geometry geometry;
    BufferedImage image;
    byte[] output;

    Job(byte[] source, VariantSpec spec, ImageLimits limits, Instant deadline) {
      this.source = source;
      this.spec = spec;
      this.limits = limits;
      this.deadline = deadline;
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.dispose();
      }
      if (input != null) {
        try {
          input.close();
        } catch (IOException ignored) {
          // in-memory stream: nothing to release
        }
      }
    }
  }

  private static void checkSourceSize(Job job) throws ImageProcessingException {
    try {
      job.limits.checkSourceBytes(job.source.length);
    } catch (LimitExceededException e) {
      throw ImageProcessingException.tooLarge(e.getMessage(), e.getMessage());
    }
    if (job.source.length == 0) {
      throw ImageProcessingException.notAnImage("empty source");
    }
  }

  private static void readHeader(Job job) throws ImageProcessingException {
    job.input = new MemoryCacheImageInputStream(new ByteArrayInputStream(job.source));
    Iterator<ImageReader> readers = ImageIO.getImageReaders(job.input);
    if (!readers.hasNext()) {
      throw ImageProcessingException.notAnImage(
          "no ImageIO reader for " + job.source.length + " bytes starting " + magic(job.source));
    }
    job.reader = readers.next();
    job.reader.setInput(job.input, false, false);
    int frames;
    try {
      job.sourceFormat = job.reader.getFormatName().toLowerCase(Locale.ROOT);
      job.sourceWidth = job.reader.getWidth(0);
      job.sourceHeight = job.reader.getHeight(0);
      if (job.sourceWidth <= 0 || job.sourceHeight <= 0) {
        String size = job.sourceWidth + "x" + job.sourceHeight;
        throw ImageProcessingException.corrupt(
            "header declares " + size, "header declares " + size, null);
      }
      // Check pixels first: counting GIF frames walks the whole file.
      job.limits.checkSourceHeader(job.sourceWidth, job.sourceHeight, 1);
      frames = job.reader.getNumImages(false);
      if (frames < 0) {
        frames = job.reader.getNumImages(true);
      }
    } catch (IOException e) {
      throw ImageProcessingException.corrupt(problem(e), "unreadable header: " + e, e);
    } catch (LimitExceededException e) {
      throw ImageProcessingException.tooLarge(e.getMessage(), e.getMessage());
    }
    try {
      job.limits.checkSourceHeader(job.sourceWidth, job.sourceHeight, frames);
      job.limits.checkOutput(job.spec.width(), job.spec.height());
    } catch (LimitExceededException e) {
      throw ImageProcessingException.tooLarge(e.getMessage(), e.getMessage());
    }
    SourceCheck.verify(job.source); // after the limits: a bomb is refused as one
    if ("jpeg".equals(job.sourceFormat)) {
      job.orientation = ExifOrientation.of(job.source);
    } else if ("png".equals(job.sourceFormat)) {
      try {
        job.pngProfile = PngColorProfile.read(job.reader).orElse(null);
      } catch (IOException e) {
        throw ImageProcessingException.corrupt(problem(e), "unreadable PNG chunks: " + e, e);
      }
    }
    // The box applies to the upright picture: orientations 5..8 swap the axes.
    job.geometry =
        ExifOrientation.swapsAxes(job.orientation)
            ? Geometry.of(job.sourceHeight, job.sourceWidth, job.spec)
            : Geometry.of(job.sourceWidth, job.sourceHeight, job.spec);
  }

  private static void decode(Job job) throws ImageProcessingException {
    ImageReader reader = job.reader;
    DeadlineListener progress = new DeadlineListener(job.deadline);
    reader.addIIOReadProgressListener(progress);
    reader.addIIOReadWarningListener((r, warning) -> job.warnings.add(warning));
    ImageReadParam param = reader.getDefaultReadParam();
    try {
      job.image = reader.read(0, param);
    } catch (IOException e) {
      throw ImageProcessingException.corrupt(problem(e), "decode failed: " + e, e);
    }
    if (progress.aborted) {
      throw ImageProcessingException.deadlineExceeded("decode");
    }
    for (String warning : job.warnings) {
      if (isDataWarning(warning)) {
        throw ImageProcessingException.corrupt(warning, "decoder warning: " + warning, null);
      }
    }
  }

  /** Scales the decoded (stored, not yet upright) image to the geometry's scaled size. */
  private static void resize(Job job) {
    Geometry g = job.geometry;
    boolean swap = ExifOrientation.swapsAxes(job.orientation);
    int width = swap ? g.scaledHeight() : g.scaledWidth();
    int height = swap ? g.scaledWidth() : g.scaledHeight();
    BufferedImage image = job.image;
    if (width != image.getWidth() || height != image.getHeight()) {
      BufferedImage scaled =
          Scalr.resize(image, Scalr.Method.QUALITY, Scalr.Mode.FIT_EXACT, width, height);
      if (scaled != image) {
        image.flush();
      }
      job.image = scaled;
    }
  }

  /**
   * Converts a PNG's pixels from its embedded ICC profile to sRGB, on the small scaled image
   * (TwelveMonkeys already does this for JPEG while decoding). The scaled image is always a fresh
   * 8-bit RGB/ARGB copy when a resize happened; otherwise convert a copy, not the decoder's image.
   */
  private static void colour(Job job) {
    if (job.pngProfile == null) {
      return;
    }
    BufferedImage image = job.image;
    int type = image.getType();
    if (type != BufferedImage.TYPE_INT_RGB && type != BufferedImage.TYPE_INT_ARGB) {
      BufferedImage copy =
          new BufferedImage(
              image.getWidth(),
              image.getHeight(),
              image.getColorModel().hasAlpha()
                  ? BufferedImage.TYPE_INT_ARGB
                  : BufferedImage.TYPE_INT_RGB);
      Graphics2D g = copy.createGraphics();
      g.drawImage(image, 0, 0, null);
      g.dispose();
      image = copy;
    }
    PngColorProfile.toSrgb(image, job.pngProfile);
    job.image = image;
  }

  /**
   * Applies the EXIF orientation to the (already small) scaled image; ImageIO and TwelveMonkeys
   * ignore the tag, and JPEG output carries no EXIF, so an unapplied tag would show sideways.
   */
  private static void orient(Job job) {
    BufferedImage image = job.image;
    job.image =
        switch (job.orientation) {
          case 2 -> Scalr.rotate(image, Scalr.Rotation.FLIP_HORZ);
          case 3 -> Scalr.rotate(image, Scalr.Rotation.CW_180);
          case 4 -> Scalr.rotate(image, Scalr.Rotation.FLIP_VERT);
          case 5 ->
              Scalr.rotate(Scalr.rotate(image, Scalr.Rotation.CW_90), Scalr.Rotation.FLIP_HORZ);
          case 6 -> Scalr.rotate(image, Scalr.Rotation.CW_90);
          case 7 ->
              Scalr.rotate(Scalr.rotate(image, Scalr.Rotation.CW_90), Scalr.Rotation.FLIP_VERT);
          case 8 -> Scalr.rotate(image, Scalr.Rotation.CW_270);
          default -> image;
        };
  }

  /** Cuts the centred box out of the upright scaled image (fit=cover only). */
  private static void crop(Job job) {
    Geometry g = job.geometry;
    BufferedImage image = job.image;
    if (g.width() != image.getWidth() || g.height() != image.getHeight()) {
      job.image = Scalr.crop(image, g.cropX(), g.cropY(), g.width(), g.height());
    }
  }

  private static void flatten(Job job) {
    // GIF too: its palette has one transparent index at most; the JDK's GIF writer quantises RGB.
    if (job.spec.format() != OutputFormat.JPEG && job.spec.format() != OutputFormat.GIF) {
      return;
    }
    BufferedImage image = job.image;
    int type = image.getType();
    if (type == BufferedImage.TYPE_INT_RGB
        || type == BufferedImage.TYPE_3BYTE_BGR
        || type == BufferedImage.TYPE_BYTE_GRAY) {
      return;
    }
    // Alpha, palettes, 16-bit and custom layouts: draw onto opaque 8-bit RGB over the background.
    BufferedImage rgb =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      g.setColor(new Color(job.spec.background()));
      g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
      g.drawImage(image, 0, 0, null);
    } finally {
      g.dispose();
    }
    job.image = rgb;
  }

  private static void encode(Job job) throws ImageProcessingException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
    String formatName =
        switch (job.spec.format()) {
          case PNG -> "png";
          case GIF -> "gif";
          default -> "jpeg";
        };
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(formatName);
    if (!writers.hasNext()) {
      throw ImageProcessingException.formatNotSupported(job.spec.format(), NAME);
    }
    ImageWriter writer = writers.next();
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (job.spec.format() == OutputFormat.JPEG) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(job.spec.quality() / 100f);
      }
      writer.write(null, new IIOImage(job.image, null, null), param);
    } catch (IOException e) {
      throw ImageProcessingException.internal("encode " + formatName + " failed: " + e, e);
    } finally {
      writer.dispose();
    }
    if (bytes.size() == 0) {
      // ImageIO.write's "false": a writer that accepted the image yet produced nothing.
      throw ImageProcessingException.internal(
          formatName + " writer produced no bytes for image type " + job.image.getType(), null);
    }
    job.output = bytes.toByteArray();
  }

  /**
   * Whether a decoder warning means missing or damaged pixel data (the JDK JPEG decoder reports
   * truncation as a warning and returns grey rows) rather than harmless metadata trouble.
   */
  static boolean isDataWarning(String warning) {
    String w = warning.toLowerCase(Locale.ROOT);
    return w.contains("truncat")
        || w.contains("premature end")
        || w.contains("corrupt")
        || w.contains("missing eoi")
        || w.contains("bad huffman");
  }

  /** What a decoder's exception says of the source, for the 422's message. */
  private static String problem(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String magic(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      sb.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xFF));
    }
    return sb.toString();
  }

  /** Aborts the read once the deadline has passed; the decoder calls it every few rows. */
  private static final class DeadlineListener implements IIOReadProgressListener {
    private final Instant deadline;
    volatile boolean aborted;

    DeadlineListener(Instant deadline) {
      this.deadline = deadline;
    }

    @Override
    public void imageProgress(ImageReader source, float percentageDone) {
      if (!aborted && !Instant.now().isBefore(deadline)) {
        aborted = true;
        source.abort();
      }
    }

    @Override
    public void sequenceStarted(ImageReader source, int minIndex) {}

    @Override
    public void sequenceComplete(ImageReader source) {}

    @Override
    public void imageStarted(ImageReader source, int imageIndex) {}

    @Override
    public void imageComplete(ImageReader source) {}

    @Override
    public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

    @Override
    public void thumbnailProgress(ImageReader source, float percentageDone) {}

    @Override
    public void thumbnailComplete(ImageReader source) {}

    @Override
    public void readAborted(ImageReader source) {}
  }
}
