package io.imgcdn.origin;

import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.node.NodeRuntime;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.origin.http.OriginTier;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.processing.ImageEngine;
import io.imgcdn.origin.processing.ImageEngines;
import io.imgcdn.origin.security.UrlSigner;
import io.imgcdn.origin.source.S3Breaker;
import io.imgcdn.origin.source.S3Source;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An origin-thumb node: reads originals from S3 and makes variants. Start with {@link #start}. */
public final class OriginServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OriginServer.class);

  private final NodeRuntime runtime;
  private final S3Source source;
  private final ThreadPoolExecutor imagePool;

  private OriginServer(NodeRuntime runtime, S3Source source, ThreadPoolExecutor imagePool) {
    this.runtime = runtime;
    this.source = source;
    this.imagePool = imagePool;
  }

  public static OriginServer start(OriginConfig config) {
    ImageEngine engine =
        switch (config.engine()) {
          case "java" -> ImageEngines.java();
          case "libvips" ->
              ImageEngines.libvips(config.avifEffort())
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              "origin.engine=libvips but libvips could not be loaded (apt-get"
                                  + " install libvips42)"));
          default -> ImageEngines.best(config.avifEffort());
        };
    NodeRuntime runtime = NodeRuntime.create(config.node(), "origin", 0);
    S3Source source =
        new S3Source(
            config.s3Endpoint(),
            config.s3Region(),
            config.s3Bucket(),
            config.s3Prefix(),
            config.s3AccessKey(),
            config.s3SecretKey(),
            config.s3PathStyle(),
            config.s3MaxConnections(),
            config.s3Timeout(),
            config.limits().maxSourceBytes(),
            new S3Breaker(config.s3BreakerTimeouts(), config.s3BreakerOpenFor()));
    // Image work on platform threads: a native libvips call pins a virtual thread's carrier.
    ThreadPoolExecutor imagePool =
        new ThreadPoolExecutor(
            config.workers(),
            config.workers(),
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.queue()),
            Thread.ofPlatform().name(config.node().id() + "-image-", 0).daemon(true).factory(),
            new ThreadPoolExecutor.AbortPolicy());
    UrlSigner signer = config.signingKey().length == 0 ? null : new UrlSigner(config.signingKey());
    OriginTier tier =
        new OriginTier(
            config.node().id(),
            source,
            config.originalsCacheBytes(),
            config.presets(),
            config.refuseUnwritableFormat(),
            signer,
            engine,
            config.limits(),
            config.jobTimeout(),
            config.deadline(),
            config.errorMaxAge(),
            imagePool,
            runtime.metrics().registry());
    Gauge.builder("imgcdn.origin.engine", () -> 1)
        .tag("engine", engine.name())
        .description("The image engine in use")
        .register(runtime.metrics().registry());
    Gauge.builder("imgcdn.origin.queue", imagePool, p -> p.getQueue().size())
        .description("Image jobs waiting")
        .register(runtime.metrics().registry());
    S3Breaker breaker = source.breaker();
    Gauge.builder(
            "imgcdn.origin.s3.breaker.state",
            breaker,
            b ->
                switch (b.state()) {
                  case CLOSED -> 0;
                  case HALF_OPEN -> 1;
                  case OPEN -> 2;
                })
        .description(
            "S3 circuit breaker: 0 closed, 1 half-open (one probe out), 2 open (S3 calls refused)")
        .register(runtime.metrics().registry());
    FunctionCounter.builder("imgcdn.origin.s3.breaker.opens", breaker, S3Breaker::opens)
        .description("Times the S3 circuit breaker opened after consecutive S3 timeouts")
        .register(runtime.metrics().registry());
    FunctionCounter.builder("imgcdn.origin.s3.breaker.refused", breaker, S3Breaker::refused)
        .description("S3 calls refused at once while the breaker was open (503)")
        .register(runtime.metrics().registry());
    runtime.serve(
        tier,
        config.server(),
        List.of(
            AdminRoute.action(
                "POST",
                "/admin/purge",
                (q, body) ->
                    CompletableFuture.completedFuture(
                        tier.purgeOriginals(q.parameters().getOrDefault("original", List.of()))))),
        () -> true);
    LOG.info(
        "{}: bucket {}, engine {} (writes {}), presets {}",
        config.node().id(),
        config.s3Bucket(),
        engine.name(),
        engine.writableFormats(),
        config.presets().values().stream().map(VariantSpec::canonical).toList());
    return new OriginServer(runtime, source, imagePool);
  }

  public int port() {
    return runtime.port();
  }

  public int adminPort() {
    return runtime.adminPort();
  }

  public String address() {
    return runtime.node().host() + ":" + port();
  }

  @Override
  public void close() {
    runtime.close();
    imagePool.shutdownNow();
    source.close();
  }
}
