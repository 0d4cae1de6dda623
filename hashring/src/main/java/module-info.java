/**
 * imgcdn's consistent hashing: one exported package, no dependencies beyond JSpecify annotations.
 */
module io.imgcdn.hashring {
  requires static org.jspecify;

  exports io.imgcdn.hashring;
}
