package io.imgcdn.edge.tls;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.config.ConfigException;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's TLS: the certificates in service (one context each, chosen by SNI), the session ticket
 * keys, and their reloads: on a timer when the files change, and on {@code POST /admin/tls/reload}.
 * A file that cannot be put in service leaves the one before it serving, with one log line and a
 * count in {@code imgcdn_tls_reloads_total{result="rejected"}}.
 */
public final class EdgeTls implements AutoCloseable {
  /*
   * Threads: loading and reloading run on the edge's scheduler thread (file reads, parsing, building
   * native contexts: never on an event loop); the contexts in service are published as one immutable
   * SniContexts through a volatile field that each new connection reads once. Nothing a connection holds
   * is ever changed or freed by a reload, so connections are never dropped; the replaced contexts are
   * freed by the collector after their last connection closes.
   *
   * Start-up is strict and reloads are lenient: a bad file at start fails the edge with every problem
   * listed (nothing good to fall back to), a bad file later keeps what serves.
   */
  private static final Logger LOG = LoggerFactory.getLogger(EdgeTls.class);

  /** One configured certificate and what of it is in service. Fields touched on the scheduler. */
  private static final class Slot {
    final CertificateFiles files;
    volatile CertifiedKey inService;
    SslContext context;

    /** Contents last refused, so the timer does not log and count the same bad files again. */
    @Nullable FileContents refused;

    Slot(CertificateFiles files, CertifiedKey inService, SslContext context) {
      this.files = files;
      this.inService = inService;
      this.context = context;
    }
  }

  private final TlsSettings settings;
  private final TlsPolicy policy;
  private final TlsMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final Duration handshakeTimeout;
  private final List<Slot> slots;
  private final FileWatch watch;
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();
  private TicketKeys ticketKeys;
  private @Nullable FileContents ticketFileInService;
  private @Nullable FileContents ticketFileRefused;
  private volatile SniContexts contexts;

  /** The QUIC (HTTP/3) context in service once {@link #quic()} was asked for; else null. */
  private volatile @Nullable QuicSslContext quic;

  private EdgeTls(
      TlsSettings settings,
      TlsPolicy policy,
      TlsMetrics metrics,
      ScheduledExecutorService scheduler,
      Duration handshakeTimeout,
      FileWatch watch,
      List<Slot> slots,
      TicketKeys ticketKeys,
      @Nullable FileContents ticketFile) {
    this.settings = settings;
    this.policy = policy;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.handshakeTimeout = handshakeTimeout;
    this.slots = List.copyOf(slots);
    this.ticketKeys = ticketKeys;
    this.ticketFileInService = ticketFile;
    this.contexts = sniContexts(slots);
    this.watch = watch;
    for (Slot slot : slots) {
      metrics.expiry(slot.files, () -> slot.inService.notAfter());
    }
  }

  /**
   * Loads every certificate and the ticket keys, and starts watching their files on {@code
   * scheduler} (a single thread: reloads must not run concurrently). Throws a ConfigException
   * naming every file that cannot be used. {@code http2}: offer h2 in ALPN, before http/1.1.
   */
  public static EdgeTls start(
      TlsSettings settings,
      boolean http2,
      Duration handshakeTimeout,
      ScheduledExecutorService scheduler,
      MeterRegistry registry) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException(
          "no certificates (expected: " + TlsSettings.CERTIFICATES + " set)");
    }
    TlsPolicy policy =
        TlsPolicy.choose(
            http2 ? List.of(TlsPolicy.H2, TlsPolicy.HTTP_1_1) : List.of(TlsPolicy.HTTP_1_1),
            settings.sessionTimeout());
    // Stamped before the files are read: a change made while they are read is seen by the watch.
    List<Path> watched = new ArrayList<>();
    for (CertificateFiles pair : settings.certificates()) {
      watched.add(pair.chain());
      watched.add(pair.key());
    }
    Path ticketPath = settings.ticketKeyFile();
    if (ticketPath != null) {
      watched.add(ticketPath);
    }
    FileWatch watch = new FileWatch(watched);
    List<String> problems = new ArrayList<>();
    TicketKeys keys = TicketKeys.random();
    FileContents ticketFile = null;
    if (ticketPath != null) {
      try {
        ticketFile = FileContents.read(ticketPath);
        keys = TicketKeys.parse(ticketPath, ticketFile.bytes(0));
      } catch (TlsFileException e) {
        problems.add(TlsSettings.TICKET_KEY_FILE + ": " + e.getMessage());
      }
    }
    List<Slot> slots = new ArrayList<>();
    for (CertificateFiles files : settings.certificates()) {
      try {
        CertifiedKey certificate = CertifiedKey.load(files, Instant.now());
        slots.add(new Slot(files, certificate, policy.newContext(certificate, keys)));
      } catch (TlsFileException e) {
        problems.add(TlsSettings.CERTIFICATES + ": " + e.getMessage());
      } catch (SSLException e) {
        problems.add(TlsSettings.CERTIFICATES + ": " + files + ": " + rootMessage(e));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    EdgeTls tls =
        new EdgeTls(
            settings,
            policy,
            new TlsMetrics(registry),
            scheduler,
            handshakeTimeout,
            watch,
            slots,
            keys,
            ticketFile);
    for (Slot slot : slots) {
      LOG.info("tls: {}", describe(slot.inService));
    }
    tls.startTimers();
    return tls;
  }

  private void startTimers() {
    long every = settings.reloadInterval().toMillis();
    timers.add(
        scheduler.scheduleWithFixedDelay(
            () -> guarded(this::reloadIfSettled), every, every, TimeUnit.MILLISECONDS));
    if (settings.ticketKeyFile() == null && policy.sharesTicketKeys()) {
      // A new key each period, the previous one kept for decrypting: a ticket is good for at least
      // one session timeout and at most two.
      long period = settings.sessionTimeout().toMillis();
      timers.add(
          scheduler.scheduleAtFixedRate(
              () -> guarded(this::rotateRandomTicketKeys), period, period, TimeUnit.MILLISECONDS));
    }
  }

  /** A periodic task that throws is never run again: log instead, and keep watching. */
  private static void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("tls: reload failed unexpectedly", e);
    }
  }

  /**
   * Makes the first handler of each HTTPS connection (see {@link TlsConnections}); a client has the
   * handshake timeout given at start for its ClientHello and again for the handshake.
   */
  public Supplier<ChannelHandler> connections() {
    return new TlsConnections(hostname -> contexts.map(hostname), handshakeTimeout);
  }

  /**
   * The certificates in service for QUIC (HTTP/3): each call answers the context to make a new
   * connection with, rebuilt from the same files on every reload or ticket key change that puts new
   * ones in service. The first call builds it (on the scheduler); throws a ConfigException when
   * quiche's BoringSSL refuses a pair the TCP side took.
   */
  public Supplier<QuicSslContext> quic() {
    if (quic == null) {
      try {
        CompletableFuture.runAsync(this::refreshQuic, scheduler).join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    return () -> {
      QuicSslContext context = quic;
      if (context == null) {
        throw new IllegalStateException("no QUIC context"); // refreshQuic set it before
      }
      return context;
    };
  }

  /** Rebuilds the QUIC context from what serves now; on the scheduler. */
  private void refreshQuic() {
    List<CertifiedKey> certificates = new ArrayList<>(slots.size());
    for (Slot slot : slots) {
      certificates.add(slot.inService);
    }
    try {
      quic = QuicContexts.build(certificates, ticketKeys, settings.sessionTimeout());
    } catch (RuntimeException e) {
      if (quic == null) {
        throw new ConfigException(
            List.of(TlsSettings.CERTIFICATES + ": QUIC (HTTP/3) refused them: " + rootMessage(e)));
      }
      LOG.warn("tls: QUIC kept its certificates: {}", rootMessage(e));
    }
  }

  /** QUIC follows whatever changed on the TCP side, when HTTP/3 asked for it. */
  private void quicFollows() {
    if (quic != null) {
      refreshQuic();
    }
  }

  /**
   * {@code POST /admin/tls/reload} (admin token): reads every file now; 200 when what serves is
   * good, 422 naming each file refused (its predecessor still serves).
   */
  public List<AdminRoute> routes() {
    return List.of(
        AdminRoute.action(
            "POST",
            "/admin/tls/reload",
            (query, body) ->
                reload()
                    .thenApply(
                        report ->
                            AdminResponse.text(report.refused() ? 422 : 200, report.text()))));
  }

  /** What a reload did, one line per file. */
  public record Report(String text, boolean refused) {}

  /** Reads every certificate and ticket key file now, on the scheduler. */
  public CompletableFuture<Report> reload() {
    return CompletableFuture.supplyAsync(() -> reloadNow(true), scheduler);
  }

  private void reloadIfSettled() {
    if (watch.settledChange()) {
      reloadNow(false);
    }
  }

  /**
   * Puts in service whatever changed and is good. {@code again}: an operator asked, so contents
   * refused before are tried (and logged) again; the timer skips them. A refusal is counted once
   * per contents, whoever found it.
   */
  private Report reloadNow(boolean again) {
    StringBuilder text = new StringBuilder();
    boolean refused = false;
    boolean ticketsChanged = false;
    Path ticketPath = settings.ticketKeyFile();
    if (ticketPath != null) {
      Outcome outcome = reloadTicketKeys(ticketPath, again);
      refused |= outcome.refused();
      ticketsChanged = outcome == Outcome.REPLACED;
      text.append("ticket keys: ").append(outcome.text()).append(", serving ").append(ticketKeys);
      text.append('\n');
    }
    boolean certificatesChanged = false;
    Instant now = Instant.now();
    for (Slot slot : slots) {
      CertifiedKey before = slot.inService;
      Outcome outcome = reloadCertificate(slot, again, now);
      refused |= outcome.refused();
      certificatesChanged |= slot.inService != before;
      text.append(slot.files.chain()).append(": ").append(outcome.text());
      text.append("; serving ").append(describe(slot.inService)).append('\n');
    }
    if (certificatesChanged) {
      contexts = sniContexts(slots);
    }
    if (certificatesChanged || ticketsChanged) {
      quicFollows();
    }
    return new Report(text.toString(), refused);
  }

  /** What a reload did with one file or pair: a word for the admin's report. */
  private record Outcome(boolean refused, String text) {
    static final Outcome UNCHANGED = new Outcome(false, "unchanged");
    static final Outcome REPLACED = new Outcome(false, "replaced");
    static final Outcome REFUSED_BEFORE =
        new Outcome(true, "kept the one in service: refused before");

    static Outcome kept(String reason) {
      return new Outcome(true, "kept the one in service: " + reason);
    }
  }

  private Outcome reloadCertificate(Slot slot, boolean again, Instant now) {
    FileContents contents;
    try {
      contents = FileContents.read(slot.files.chain(), slot.files.key());
    } catch (TlsFileException e) {
      return refuse(slot.files, TlsMetrics.CERTIFICATE, true, e);
    }
    if (contents.sameAs(slot.inService.contents())) {
      return Outcome.UNCHANGED;
    }
    boolean known = slot.refused != null && contents.sameAs(slot.refused);
    if (known && !again) {
      return Outcome.REFUSED_BEFORE;
    }
    try {
      CertifiedKey certificate = CertifiedKey.load(slot.files, contents, now);
      slot.context = newContext(slot.files, certificate);
      slot.inService = certificate;
      slot.refused = null;
      metrics.applied(TlsMetrics.CERTIFICATE);
      LOG.info("tls: {}", describe(certificate));
      return Outcome.REPLACED;
    } catch (TlsFileException e) {
      slot.refused = contents;
      return refuse(slot.files, TlsMetrics.CERTIFICATE, !known, e);
    }
  }

  private Outcome reloadTicketKeys(Path file, boolean again) {
    FileContents contents;
    try {
      contents = FileContents.read(file);
    } catch (TlsFileException e) {
      return refuse(file, TlsMetrics.TICKET_KEYS, true, e);
    }
    if (ticketFileInService != null && contents.sameAs(ticketFileInService)) {
      return Outcome.UNCHANGED;
    }
    boolean known = ticketFileRefused != null && contents.sameAs(ticketFileRefused);
    if (known && !again) {
      return Outcome.REFUSED_BEFORE;
    }
    try {
      ticketKeys = TicketKeys.parse(file, contents.bytes(0));
    } catch (TlsFileException e) {
      ticketFileRefused = contents;
      return refuse(file, TlsMetrics.TICKET_KEYS, !known, e);
    }
    ticketFileInService = contents;
    ticketFileRefused = null;
    for (Slot slot : slots) {
      policy.setTicketKeys(slot.context, ticketKeys);
    }
    metrics.applied(TlsMetrics.TICKET_KEYS);
    LOG.info("tls: session ticket keys now {}", ticketKeys);
    return Outcome.REPLACED;
  }

  /** One log line, and a count when these contents were not refused before. */
  private Outcome refuse(Object what, String file, boolean count, TlsFileException e) {
    if (count) {
      metrics.rejected(file);
    }
    LOG.warn("tls: refused {} ({}); what serves stays: {}", what, file, e.getMessage());
    return Outcome.kept(String.valueOf(e.getMessage()));
  }

  private SslContext newContext(CertificateFiles files, CertifiedKey certificate)
      throws TlsFileException {
    try {
      return policy.newContext(certificate, ticketKeys);
    } catch (SSLException e) {
      throw new TlsFileException(files.key(), "BoringSSL refused the pair: " + rootMessage(e), e);
    }
  }

  private void rotateRandomTicketKeys() {
    ticketKeys = ticketKeys.rotate();
    for (Slot slot : slots) {
      policy.setTicketKeys(slot.context, ticketKeys);
    }
    quicFollows();
  }

  private static SniContexts sniContexts(List<Slot> slots) {
    List<SniContexts.Entry> entries = new ArrayList<>(slots.size());
    for (Slot slot : slots) {
      entries.add(new SniContexts.Entry(slot.inService.names(), slot.context));
    }
    return new SniContexts(entries);
  }

  private static String describe(CertifiedKey certificate) {
    long days = Duration.between(Instant.now(), certificate.notAfter()).toDays();
    return certificate.files().chain()
        + " for "
        + (certificate.names().isEmpty() ? "(no names)" : String.join(", ", certificate.names()))
        + ", expires "
        + certificate.notAfter().truncatedTo(ChronoUnit.SECONDS)
        + " (in "
        + days
        + " days)";
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  /** Stops watching the files; connections and their contexts are the serving port's business. */
  @Override
  public void close() {
    for (ScheduledFuture<?> timer : timers) {
      timer.cancel(false);
    }
  }
}
