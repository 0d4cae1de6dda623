package io.imgcdn.origin.processing;

/** One stage of a thumbnail job, e.g. read the header, decode, resize, encode. */
@FunctionalInterface
interface Step<J> {
  void apply(J job) throws ImageProcessingException;
}
