package com.example.ferry.api;

/** Declared (checked) business exception: crosses the wire as-is (ExceptionFilter does not wrap declared exceptions). */
public class UserNotFoundException extends Exception {
    private static final long serialVersionUID = 1L;

    public UserNotFoundException() {
        super();
    }

    public UserNotFoundException(String message) {
        super(message);
    }
}
