package io.imgcdn.origin.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.processing.ImageEngine;
import io.imgcdn.origin.processing.ImageProcessingException;
import io.imgcdn.origin.processing.Thumbnail;
import io.imgcdn.origin.security.ImageLimits;
import io.imgcdn.origin.security.UrlSigner;
import io.imgcdn.origin.source.S3Source;
import io.imgcdn.origin.source.SourceObject;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * What the origin does with a request: read the original from S3 (once for all concurrent variants
 * of it), then serve it unchanged or make the variant on the image pool.
 */
public final class OriginTier implements Tier {
  /*
   * Two layers of coalescing. originals: an in-flight map makes concurrent requests for one original share
   * one S3 GET, and a Caffeine cache bounded by bytes keeps recent originals for the next variants (pixiv
   * makes 20+ sizes of each picture). (Not a Caffeine AsyncCache: it logs every failed load, and a 404 is
   * an everyday answer here.) variants: an in-flight map keyed by the
   * variant's path, so N concurrent requests for one variant make one resize; the entry goes when the
   * resize ends (the shard tier is the cache for results).
   * Negotiation (docs/ORIGIN.md): a preset or /t/ spec with alternatives (WebP, AVIF) is reduced
   * per request to the alternatives its Accept names and the engine can write
   * (VariantSpec.forAccept); the engine renders the first candidate (AVIF, WebP, then the default;
   * WebP before AVIF for an animated source). The in-flight key is the path plus the reduced
   * candidate list, so requests that get the same answer share one resize and requests that get
   * different formats never do. Every answer of a negotiating spec says Vary: Accept, the
   * default-format fallback and 4xx answers included; nothing else does. With
   * refuseUnwritableFormat, a request that accepts an allowed format the engine cannot write (the
   * Java engine and WebP/AVIF) gets 406 instead of the default format. S3 I/O runs on the SDK's own
   * event loops; decoding and resizing on the bounded image pool, whose RejectedExecutionException
   * becomes 503 "resize queue full" (with Retry-After).
   * Time: a request's Deadline is the lower of its caller's X-Imgcdn-Deadline and origin.deadline; the
   * S3 GET gets what is left of it, the image job the lower of what is left and origin.job-timeout, and
   * a job that leaves the queue after that is not started. Coalesced requests share the first one's
   * S3 GET and job, with its deadline. Every 5xx names this node and what failed ("origin-1: S3
   * timeout after 5000 ms").
   */
  private final String nodeId;
  private final S3Source source;
  private final Cache<String, SourceObject> recentOriginals;
  private final Coalescer<SourceObject> originals = new Coalescer<>();
  private final Coalescer<ImageObject> variants = new Coalescer<>();
  private final Map<String, VariantSpec> presets;
  private final boolean refuseUnwritableFormat;
  private final Set<OutputFormat> writable;
  private final @Nullable UrlSigner signer;
  private final ImageEngine engine;
  private final ImageLimits limits;
  private final Duration jobTimeout;
  private final Duration requestLimit;
  private final String errorCacheControl;
  private final Executor imagePool;
  private final Timer s3Timer;
  private final Timer resizeTimer;

  public OriginTier(
      String nodeId,
      S3Source source,
      long originalsCacheBytes,
      Map<String, VariantSpec> presets,
      boolean refuseUnwritableFormat,
      @Nullable UrlSigner signer,
      ImageEngine engine,
      ImageLimits limits,
      Duration jobTimeout,
      Duration requestLimit,
      Duration errorMaxAge,
      Executor imagePool,
      MeterRegistry registry) {
    this.nodeId = nodeId;
    this.source = source;
    this.recentOriginals =
        Caffeine.newBuilder()
            .maximumWeight(originalsCacheBytes)
            .weigher((String k, SourceObject v) -> v.body().length)
            .build();
    this.presets = presets;
    this.refuseUnwritableFormat = refuseUnwritableFormat;
    this.writable = engine.writableFormats();
    this.signer = signer;
    this.engine = engine;
    this.limits = limits;
    this.jobTimeout = jobTimeout;
    this.requestLimit = requestLimit;
    this.errorCacheControl =
        errorMaxAge.isZero() || errorMaxAge.isNegative()
            ? "no-store"
            : "public, max-age=" + errorMaxAge.toSeconds();
    this.imagePool = imagePool;
    this.s3Timer =
        Timer.builder("imgcdn.origin.s3.fetch")
            .description("S3 GETs of originals")
            .register(registry);
    this.resizeTimer =
        Timer.builder("imgcdn.origin.resize")
            .description("Variant making, per engine")
            .tag("engine", engine.name())
            .register(registry);
  }

  @Override
  public CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    Deadline deadline = Deadline.of(requestHeaders, requestLimit);
    CompletableFuture<Response> answer;
    try {
      answer = answer(url, requestHeaders, deadline);
    } catch (HttpError e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return named(answer);
  }

  private CompletableFuture<Response> answer(
      ImageUrl url, HttpHeaders requestHeaders, Deadline deadline) {
    Instant jobDeadline = Instant.now().plus(min(jobTimeout, deadline.left()));
    return switch (url) {
      case ImageUrl.Original o ->
          original(o.objectKey(), deadline)
              .thenApply(
                  src ->
                      (Response)
                          Reply.ok(
                              new ImageObject(
                                  src.contentType(),
                                  src.etag(),
                                  src.lastModified(),
                                  ImageObject.IMMUTABLE,
                                  src.body()),
                              nodeId + ";miss"));
      case ImageUrl.Preset p -> {
        VariantSpec spec = presets.get(p.preset());
        if (spec == null) {
          throw HttpError.notFound(
              "unknown preset: "
                  + p.preset()
                  + " (known: "
                  + String.join(", ", new java.util.TreeSet<>(presets.keySet()))
                  + ")");
        }
        yield variant(p.path(), p.objectKey(), spec, requestHeaders, deadline, jobDeadline);
      }
      case ImageUrl.Signed s -> {
        if (signer == null) {
          throw new HttpError(
              HttpResponseStatus.FORBIDDEN, "signed URLs are disabled on this origin");
        }
        if (!signer.verify(s.signature(), s.signedPart())) {
          throw new HttpError(HttpResponseStatus.FORBIDDEN, "invalid signature");
        }
        VariantSpec spec;
        try {
          spec = VariantSpec.parse(s.options());
        } catch (IllegalArgumentException e) {
          throw HttpError.badRequest("bad options: " + e.getMessage());
        }
        yield variant(s.path(), s.objectKey(), spec, requestHeaders, deadline, jobDeadline);
      }
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * A failed answer as this node's own: its 5xx name this node and their cause; a 4xx becomes this
   * node's error reply, which clients may keep for origin.error-max-age.
   */
  private CompletableFuture<Response> named(CompletableFuture<Response> answer) {
    if (answer.isDone() && !answer.isCompletedExceptionally()) {
      return answer;
    }
    return answer.exceptionally(
        failure -> {
          Throwable cause =
              failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause()
                  : failure;
          if (cause instanceof HttpError error) {
            if (error.shouldReport()) {
              throw error.at(nodeId);
            }
            return errorReply(error.status(), error.publicMessage());
          }
          if (cause instanceof RejectedExecutionException) {
            throw new HttpError(HttpResponseStatus.SERVICE_UNAVAILABLE, "resize queue full", cause)
                .at(nodeId);
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  /**
   * The admin purge of originals ({@code POST /admin/purge?original=KEY}, repeatable): forgets the
   * recently read copy of each, so the next variant made from it reads S3 again (an original
   * replaced in S3 and purged from the caches must not be resized from the old bytes). The origin
   * keeps no variants, so there is no {@code ?path=} purge here.
   */
  public AdminResponse purgeOriginals(List<String> keys) {
    if (keys.isEmpty()) {
      return AdminResponse.text(400, "purge needs ?original=object/key (origins keep no variants)");
    }
    List<String> objectKeys = new ArrayList<>();
    try {
      for (String k : keys) {
        objectKeys.add(ImageUrl.parse("/" + k).objectKey());
      }
    } catch (HttpError e) {
      return AdminResponse.text(400, "purge: " + e.getMessage());
    }
    int forgotten = 0;
    for (String key : objectKeys) {
      forgotten += recentOriginals.asMap().remove(key) != null ? 1 : 0;
    }
    return AdminResponse.text(
        200, "purged " + forgotten + " of " + objectKeys.size() + " originals from memory");
  }

  private CompletableFuture<SourceObject> original(String key, Deadline deadline) {
    SourceObject recent = recentOriginals.getIfPresent(key);
    if (recent != null) {
      return CompletableFuture.completedFuture(recent);
    }
    return originals
        .join(
            key,
            () -> {
              long start = System.nanoTime();
              return source
                  .fetch(key, deadline)
                  .whenComplete(
                      (v, e) -> {
                        s3Timer.record(Duration.ofNanos(System.nanoTime() - start));
                        if (v != null) {
                          recentOriginals.put(key, v);
                        }
                      });
            })
        .future();
  }

  private CompletableFuture<Response> variant(
      String path,
      String key,
      VariantSpec spec,
      HttpHeaders requestHeaders,
      Deadline deadline,
      Instant jobDeadline) {
    if (!spec.negotiates()) {
      return render(path, key, spec, deadline, jobDeadline).thenApply(reply -> reply);
    }
    AcceptClass accept = AcceptClass.of(requestHeaders.get(HttpHeaderNames.ACCEPT));
    VariantSpec reduced = spec.forAccept(accept, writable);
    if (refuseUnwritableFormat
        && !reduced.negotiates()
        && spec.forAccept(accept, ALL_FORMATS).negotiates()) {
      return CompletableFuture.completedFuture(
          new VaryAcceptResponse(
              errorReply(
                  HttpResponseStatus.NOT_ACCEPTABLE,
                  "Output format "
                      + spec.forAccept(accept, ALL_FORMATS).candidates().getFirst().token()
                      + " is not supported by engine "
                      + engine.name())));
    }
    // '\u0002' as in AcceptClass.key: the reduced candidate list ("webp:jpeg") names the
    // representation.
    return render(path + '\u0002' + reduced.formats(), key, reduced, deadline, jobDeadline)
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                return new VaryAcceptResponse(reply);
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof HttpError error && !error.shouldReport()) {
                // A 4xx says Vary too (the contract: every answer of a negotiating variant); 5xx
                // and 503 go on to the
                // serving handler, which logs them and adds Retry-After.
                return new VaryAcceptResponse(errorReply(error.status(), error.publicMessage()));
              }
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            });
  }

  /*
   * Error lifetimes: a 4xx is the answer to these bytes or this URL (a damaged source, an unknown
   * preset) and stays so until someone changes the original or the configuration, so a client may
   * keep it a short while (origin.error-max-age) rather than ask again at once; never immutable,
   * since a fixed original must show within that while. A 5xx is this node's trouble of the
   * moment: no-store. The shard and edge store only 200s (ShardTier, ShardFetch) and pass every
   * other status on as no-store (UpstreamResponse.toReply), so no tier keeps an error a year.
   */
  private Reply errorReply(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    return new Reply(
        status,
        new ImageObject("text/plain; charset=utf-8", "", errorCacheControl, body),
        nodeId + ";error");
  }

  private static final Set<OutputFormat> ALL_FORMATS =
      Set.copyOf(EnumSet.allOf(OutputFormat.class));

  private CompletableFuture<Reply> render(
      String jobKey, String key, VariantSpec spec, Deadline deadline, Instant jobDeadline) {
    Coalescer.Join<ImageObject> job =
        variants.join(
            jobKey,
            () ->
                original(key, deadline)
                    .thenApplyAsync(src -> render(src, spec, jobDeadline), imagePool));
    String verdict = job.leader() ? ";miss" : ";coalesced";
    return job.future().thenApply(obj -> Reply.ok(obj, nodeId + verdict));
  }

  private ImageObject render(SourceObject src, VariantSpec spec, Instant deadline) {
    if (!Instant.now().isBefore(deadline)) {
      // Waited in the queue past the request's deadline: its caller has given up.
      throw new HttpError(HttpResponseStatus.GATEWAY_TIMEOUT, "deadline spent before the resize");
    }
    long start = System.nanoTime();
    try {
      Thumbnail t = engine.render(src.body(), spec, limits, deadline);
      // A variant changes when its original does: it carries the original's Last-Modified.
      return new ImageObject(
          t.format().contentType(),
          ETags.of(t.bytes()),
          src.lastModified(),
          ImageObject.IMMUTABLE,
          t.bytes());
    } catch (ImageProcessingException e) {
      throw new HttpError(HttpResponseStatus.valueOf(e.status()), e.publicMessage(), e);
    } finally {
      resizeTimer.record(Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
