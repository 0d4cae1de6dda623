package io.imgcdn.edge.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The TLS series on /metrics: reloads applied and rejected, and the days left on each certificate
 * in service.
 *
 * <pre>
 * imgcdn_tls_reloads_total{file="certificate"|"ticket-keys", result="applied"|"rejected"}
 * imgcdn_tls_certificate_expiry_days{certificate="/path/fullchain.pem"}
 * </pre>
 *
 * Alert on a rejected reload (a bad file is waiting, the old one still serves) and on few days left
 * (renewal is not happening).
 */
final class TlsMetrics {
  static final String CERTIFICATE = "certificate";
  static final String TICKET_KEYS = "ticket-keys";

  private final MeterRegistry registry;

  TlsMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void applied(String file) {
    counter(file, "applied").increment();
  }

  void rejected(String file) {
    counter(file, "rejected").increment();
  }

  /** Days left on a certificate in service; {@code notAfter} is read at each scrape. */
  void expiry(CertificateFiles files, Supplier<Instant> notAfter) {
    Gauge.builder(
            "imgcdn.tls.certificate.expiry",
            notAfter,
            n -> Duration.between(Instant.now(), n.get()).toSeconds() / 86_400.0)
        .description("Days until the certificate in service expires (negative: expired)")
        .baseUnit("days")
        .tag(CERTIFICATE, files.chain().toString())
        .strongReference(true)
        .register(registry);
  }

  private Counter counter(String file, String result) {
    return Counter.builder("imgcdn.tls.reloads")
        .description("Certificate and ticket key files read again after a change, by outcome")
        .tag("file", file)
        .tag("result", result)
        .register(registry);
  }
}
