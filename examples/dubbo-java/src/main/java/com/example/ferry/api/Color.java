package com.example.ferry.api;

/** Enum used by the type matrix. Hessian writes it as an object of class com.example.ferry.api.Color with one field "name". */
public enum Color {
    RED, GREEN, BLUE
}
