package io.imgcdn.bench.sim;

import io.imgcdn.edge.cache.Admission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The policies the simulator knows by name. */
public final class Policies {

  private static final Map<String, PolicyFactory> BY_NAME = new LinkedHashMap<>();
  private static final Pattern CAPPED = Pattern.compile("caffeine-max([1-9][0-9]{0,6})");

  static {
    register(PolicyFactory.of("lru", (t, c) -> new LruPolicy(c)));
    register(PolicyFactory.of("fifo", (t, c) -> new FifoPolicy(c)));
    register(PolicyFactory.of("caffeine", false, (t, c) -> new CaffeinePolicy(c)));
    register(PolicyFactory.of("gdsf", (t, c) -> GreedyDualPolicy.gdsf(c)));
    register(PolicyFactory.of("lfuda", (t, c) -> GreedyDualPolicy.lfuDa(c)));
    register(PolicyFactory.of("belady", BeladyPolicy::new));
    register(PolicyFactory.of("static-ohr", (t, c) -> new StaticOraclePolicy(t, c, false)));
    register(PolicyFactory.of("static-bhr", (t, c) -> new StaticOraclePolicy(t, c, true)));
    for (Admission a : Admission.values()) {
      String name = a == Admission.TINYLFU ? "edge" : "edge-" + a.configName();
      register(PolicyFactory.of(name, false, (t, c) -> new EdgeCachePolicy(t, c, a)));
    }
  }

  private Policies() {}

  private static void register(PolicyFactory f) {
    BY_NAME.put(f.name(), f);
  }

  /** Every fixed policy name, in table order; {@code caffeine-max<N>} comes on top. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /**
   * The factory named {@code name}: one of {@link #names()}, or {@code caffeine-max<N>} for {@link
   * SizeCappedCaffeinePolicy} admitting objects up to capacity / N.
   */
  public static PolicyFactory named(String name) {
    PolicyFactory f = BY_NAME.get(name);
    if (f != null) {
      return f;
    }
    Matcher m = CAPPED.matcher(name);
    if (m.matches()) {
      int divisor = Integer.parseInt(m.group(1));
      return PolicyFactory.of(name, false, (t, c) -> new SizeCappedCaffeinePolicy(c, divisor));
    }
    throw new IllegalArgumentException(
        "policy: " + name + " (expected: one of " + names() + " or caffeine-max<N>)");
  }

  /** Parses a comma-separated list of names. */
  public static List<PolicyFactory> parse(String names) {
    List<PolicyFactory> out = new ArrayList<>();
    for (String n : names.split(",")) {
      out.add(named(n.strip()));
    }
    return out;
  }
}
