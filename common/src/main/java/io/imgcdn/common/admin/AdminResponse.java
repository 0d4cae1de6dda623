package io.imgcdn.common.admin;

/** The answer of an admin route. */
public record AdminResponse(int status, String contentType, String body) {
  public static AdminResponse text(int status, String body) {
    return new AdminResponse(
        status, "text/plain; charset=utf-8", body.endsWith("\n") ? body : body + "\n");
  }

  public static AdminResponse json(int status, String body) {
    return new AdminResponse(status, "application/json", body);
  }
}
