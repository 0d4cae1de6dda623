package io.imgcdn.origin.processing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Optional;

/**
 * The part of libvips (Debian's libvips42, 8.14) the libvips engine calls, bound with
 * java.lang.foreign. One process-wide instance; libvips itself is thread-safe.
 */
@SuppressWarnings("restricted") // FFM downcalls and upcalls: the point of this class
final class Libvips {

  /*
   * Binding notes:
   * - Only the versioned soname exists without libvips-dev, so we look up "libvips.so.42". glib and
   *   gobject symbols (g_free, g_object_unref, g_signal_connect_data) resolve through the same
   *   handle: dlsym on a library handle searches its dependencies too.
   * - vips_thumbnail_buffer, vips_image_new_from_buffer and vips_image_write_to_buffer are
   *   variadic (NULL-terminated name/value lists). Each distinct list needs its own downcall with
   *   Linker.Option.firstVariadicArg(n), n = number of fixed parameters; ints and enums are passed
   *   as JAVA_INT (C promotes them to int anyway), strings as ADDRESS, and the list ends with NULL.
   * - Start-up: vips_init once; vips_cache_set_max(0), because the operation cache would keep
   *   decoded sources alive across jobs and keys them on buffer addresses we reuse; concurrency
   *   set explicitly (libvips defaults to one worker per core per operation, which oversubscribes
   *   when the origin already runs one job per core); untrusted loaders blocked
   *   (vips_block_untrusted_set, 8.13+), and every loader outside an allowlist blocked too.
   * - Errors land in a process-global buffer; vips_error_buffer_copy takes and clears it. Under
   *   concurrency a message may belong to another job: it goes to logs only, never to clients.
   */

  static final String LIBRARY = "libvips.so.42";

  /** VipsSize: only ever shrink. */
  static final int SIZE_DOWN = 2;

  /**
   * VipsSize: exactly the given width and height (we compute them, never larger than the source).
   */
  static final int SIZE_FORCE = 3;

  /** VipsInteresting. */
  static final int INTERESTING_NONE = 0;

  static final int INTERESTING_CENTRE = 1;

  static final int INTERESTING_ENTROPY = 2;

  static final int INTERESTING_ATTENTION = 3;

  /** VIPS_MAX_COORD: the "unconstrained" side of a thumbnail box. */
  static final int MAX_COORD = 10_000_000;

  /** Loader classes allowed; vips_operation_block_set applies to a class and its subclasses. */
  static final List<String> ALLOWED_LOADERS =
      List.of(
          "VipsForeignLoadJpeg",
          "VipsForeignLoadPng",
          "VipsForeignLoadNsgif",
          "VipsForeignLoadWebp",
          "VipsForeignLoadTiff",
          "VipsForeignLoadHeif");

  private static final Linker LINKER = Linker.nativeLinker();

  final MethodHandle findLoadBuffer;
  final MethodHandle newFromBuffer;
  final MethodHandle imageGetWidth;
  final MethodHandle imageGetHeight;
  final MethodHandle imageGetNPages;
  final MethodHandle imageGetPageHeight;
  final MethodHandle imageHasAlpha;
  final MethodHandle imageGetOrientationSwap;
  final MethodHandle thumbnailBuffer;
  final MethodHandle thumbnailBufferExport;
  final MethodHandle imageGetTypeof;
  final MethodHandle writeToBuffer;
  final MethodHandle extractArea;
  final MethodHandle imageSetProgress;
  final MethodHandle imageSetKill;
  final MethodHandle errorBufferCopy;
  final MethodHandle errorClear;
  final MethodHandle gFree;
  final MethodHandle gObjectUnref;
  final MethodHandle gSignalConnectData;
  final MethodHandle threadShutdown;
  final String version;

  /** The native "eval" signal handler: void (VipsImage*, VipsProgress*, void* deadline). */
  final MemorySegment evalCallback;

  /** Loads on first use: the JVM runs a class's initialiser once, whichever thread asks first. */
  private static final class Holder {
    static final Optional<Libvips> INSTANCE = tryLoad();
  }

  /** The library, loaded and initialised once; empty if libvips is not installed or fails. */
  static Optional<Libvips> load() {
    return Holder.INSTANCE;
  }

  /** Why loading failed, when it did (for the start-up log). */
  static volatile String loadFailure = "";

  private static Optional<Libvips> tryLoad() {
    try {
      return Optional.of(new Libvips(SymbolLookup.libraryLookup(LIBRARY, Arena.global())));
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
      loadFailure = e.toString();
      return Optional.empty();
    } catch (Throwable e) {
      loadFailure = e.toString();
      return Optional.empty();
    }
  }

  private Libvips(SymbolLookup lookup) throws Throwable {
    MethodHandle init = handle(lookup, "vips_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    MethodHandle cacheSetMax =
        handle(lookup, "vips_cache_set_max", FunctionDescriptor.ofVoid(JAVA_INT));
    MethodHandle concurrencySet =
        handle(lookup, "vips_concurrency_set", FunctionDescriptor.ofVoid(JAVA_INT));
    MethodHandle blockUntrusted =
        handle(lookup, "vips_block_untrusted_set", FunctionDescriptor.ofVoid(JAVA_INT));
    MethodHandle operationBlock =
        handle(lookup, "vips_operation_block_set", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    MethodHandle versionString =
        handle(lookup, "vips_version_string", FunctionDescriptor.of(ADDRESS));
    findLoadBuffer =
        handle(
            lookup,
            "vips_foreign_find_load_buffer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    // VipsImage *vips_image_new_from_buffer(const void *buf, size_t len, const char *options, ...)
    newFromBuffer =
        handle(
            lookup,
            "vips_image_new_from_buffer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS),
            Linker.Option.firstVariadicArg(3));
    imageGetWidth =
        handle(lookup, "vips_image_get_width", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    imageGetHeight =
        handle(lookup, "vips_image_get_height", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    imageGetNPages =
        handle(lookup, "vips_image_get_n_pages", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    imageGetPageHeight =
        handle(lookup, "vips_image_get_page_height", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    imageHasAlpha = handle(lookup, "vips_image_hasalpha", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // GType vips_image_get_typeof(const VipsImage *image, const char *name); 0 if absent
    imageGetTypeof =
        handle(lookup, "vips_image_get_typeof", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
    imageGetOrientationSwap =
        handle(lookup, "vips_image_get_orientation_swap", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int vips_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int width, ...)
    //   "height", int, "size", VipsSize, "crop", VipsInteresting, "option_string", char*, NULL
    thumbnailBuffer =
        handle(
            lookup,
            "vips_thumbnail_buffer",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
            Linker.Option.firstVariadicArg(4));
    // The same with "export_profile", char* before "option_string": a separate handle, as each
    // distinct variadic list needs its own.
    thumbnailBufferExport =
        handle(
            lookup,
            "vips_thumbnail_buffer",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS),
            Linker.Option.firstVariadicArg(4));
    // int vips_image_write_to_buffer(VipsImage *in, const char *suffix, void **buf, size_t *size,
    // ...)
    writeToBuffer =
        handle(
            lookup,
            "vips_image_write_to_buffer",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS),
            Linker.Option.firstVariadicArg(4));
    // int vips_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width,
    // int height, ...)
    extractArea =
        handle(
            lookup,
            "vips_extract_area",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
            Linker.Option.firstVariadicArg(6));
    imageSetProgress =
        handle(lookup, "vips_image_set_progress", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    imageSetKill =
        handle(lookup, "vips_image_set_kill", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    errorBufferCopy = handle(lookup, "vips_error_buffer_copy", FunctionDescriptor.of(ADDRESS));
    errorClear = handle(lookup, "vips_error_clear", FunctionDescriptor.ofVoid());
    gFree = handle(lookup, "g_free", FunctionDescriptor.ofVoid(ADDRESS));
    gObjectUnref = handle(lookup, "g_object_unref", FunctionDescriptor.ofVoid(ADDRESS));
    // gulong g_signal_connect_data(gpointer, const gchar*, GCallback, gpointer, GClosureNotify,
    // int)
    gSignalConnectData =
        handle(
            lookup,
            "g_signal_connect_data",
            FunctionDescriptor.of(
                JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    threadShutdown = handle(lookup, "vips_thread_shutdown", FunctionDescriptor.ofVoid());

    Arena global = Arena.global();
    if ((int) init.invokeExact(global.allocateFrom("imgcdn-origin")) != 0) {
      throw new IllegalStateException("vips_init failed: " + takeError());
    }
    cacheSetMax.invokeExact(0);
    concurrencySet.invokeExact(1);
    blockUntrusted.invokeExact(1);
    operationBlock.invokeExact(global.allocateFrom("VipsForeignLoad"), 1);
    for (String loader : ALLOWED_LOADERS) {
      operationBlock.invokeExact(global.allocateFrom(loader), 0);
    }
    // 8.14 flags jxlsave untrusted with the rest of its libjxl 0.7 support; the flag guards against
    // hostile input, and a saver reads only pixels we decoded, so the saver alone is let through
    // (the JXL loader stays blocked with every loader not in ALLOWED_LOADERS).
    operationBlock.invokeExact(global.allocateFrom("VipsForeignSaveJxl"), 0);
    version = cString((MemorySegment) versionString.invokeExact());
    evalCallback =
        LINKER.upcallStub(
            MethodHandles.lookup()
                .findStatic(
                    Libvips.class,
                    "onEval",
                    MethodType.methodType(
                        void.class, MemorySegment.class, MemorySegment.class, MemorySegment.class)),
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS),
            global);
  }

  /**
   * Threads that ran libvips work call this before they end, to free libvips's per-thread state.
   */
  void threadShutdown() {
    try {
      threadShutdown.invokeExact();
    } catch (Throwable e) {
      throw new IllegalStateException("vips_thread_shutdown", e);
    }
  }

  /** Takes (and clears) libvips's error buffer. */
  String takeError() {
    try {
      MemorySegment copy = (MemorySegment) errorBufferCopy.invokeExact();
      String text = cString(copy).strip();
      gFree.invokeExact(copy);
      return text;
    } catch (Throwable e) {
      return "(vips error buffer unreadable: " + e + ")";
    }
  }

  void unref(MemorySegment object) {
    if (object != null && !MemorySegment.NULL.equals(object)) {
      try {
        gObjectUnref.invokeExact(object);
      } catch (Throwable e) {
        throw new IllegalStateException("g_object_unref", e);
      }
    }
  }

  static String cString(MemorySegment address) {
    if (address == null || MemorySegment.NULL.equals(address)) {
      return "";
    }
    return address.reinterpret(Integer.MAX_VALUE).getString(0);
  }

  /** Layout of the per-job deadline block the eval callback reads: {deadlineMillis, killed}. */
  static final long DEADLINE_BYTES = 16;

  /*
   * The "eval" signal fires on the image we marked with vips_image_set_progress (the mark is
   * propagated to every image built downstream of it), from the thread running the sink, after
   * each batch of tiles. Its VipsProgress's first field is the image actually being computed;
   * setting kill on THAT image makes the sink stop with an error at its next check.
   */
  @SuppressWarnings("unused") // called from native code
  private static void onEval(MemorySegment image, MemorySegment progress, MemorySegment deadline) {
    try {
      MemorySegment block = deadline.reinterpret(DEADLINE_BYTES);
      if (System.currentTimeMillis() >= block.get(JAVA_LONG, 0)) {
        block.set(JAVA_LONG, 8, 1L);
        MemorySegment computing = progress.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
        Libvips vips = load().orElseThrow(); // loaded: this callback is registered after load
        vips.imageSetKill.invokeExact(computing, 1);
        vips.imageSetKill.invokeExact(image, 1);
      }
    } catch (Throwable e) {
      // An exception must never unwind into native code (it would crash the JVM).
    }
  }

  private static MethodHandle handle(
      SymbolLookup lookup, String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol =
        lookup
            .find(name)
            .orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }
}
