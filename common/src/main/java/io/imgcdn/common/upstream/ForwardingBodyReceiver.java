package io.imgcdn.common.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A {@link BodyReceiver} that passes every call on to another; subclasses override what they
 * change.
 */
public abstract class ForwardingBodyReceiver implements BodyReceiver {
  protected final BodyReceiver target;

  protected ForwardingBodyReceiver(BodyReceiver target) {
    this.target = target;
  }

  @Override
  public void head(HttpResponse head, BodyFlow flow) {
    target.head(head, flow);
  }

  @Override
  public void content(ByteBuf piece) {
    target.content(piece);
  }

  @Override
  public void end() {
    target.end();
  }

  @Override
  public void failed(UpstreamException failure, boolean headSeen) {
    target.failed(failure, headSeen);
  }
}
