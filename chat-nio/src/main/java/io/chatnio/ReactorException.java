package io.chatnio;

/** The reactor's loop ended because of a fatal error (the selector itself failed); the cause says which. */
public final class ReactorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReactorException(String message, Throwable cause) {
        super(message, cause);
    }
}
