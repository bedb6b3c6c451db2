package com.example.ferry.api;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;

/** POJO of the value-fidelity tests: the types whose JSON form Java and JavaScript disagree about. */
public class Stamp implements Serializable {
    private static final long serialVersionUID = 1L;

    private String name;
    private Instant at;
    private Date when;
    private BigDecimal amount;

    public Stamp() {
    }

    public Stamp(String name, Instant at, Date when, BigDecimal amount) {
        this.name = name;
        this.at = at;
        this.when = when;
        this.amount = amount;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Instant getAt() { return at; }
    public void setAt(Instant at) { this.at = at; }
    public Date getWhen() { return when; }
    public void setWhen(Date when) { this.when = when; }
    public BigDecimal getAmount() { return amount; }
    public void setAmount(BigDecimal amount) { this.amount = amount; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stamp)) return false;
        Stamp s = (Stamp) o;
        return Objects.equals(name, s.name) && Objects.equals(at, s.at) && Objects.equals(when, s.when) && Objects.equals(amount, s.amount);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, at, when, amount);
    }
}
