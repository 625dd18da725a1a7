package io.pgactive.tools.sdk;

/**
 * The service answered with an HTTP error, normally an RFC 9457 problem: a bad parameter (400), an unknown node (404),
 * no snapshot yet (503). {@code detail} is the problem's detail, or the raw body when it was not a problem.
 */
public final class ProblemException extends SdkException {

    private final int status;
    private final String title;
    private final String detail;

    ProblemException(String request, int status, String title, String detail) {
        super(
                request + " answered " + status + (title == null ? "" : " " + title)
                        + (detail == null ? "" : ": " + detail),
                null);
        this.status = status;
        this.title = title;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }
}
