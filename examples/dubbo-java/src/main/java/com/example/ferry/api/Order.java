package com.example.ferry.api;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/** Nested POJO: an Order holds a User and a list of OrderLine. */
public class Order implements Serializable {
    private static final long serialVersionUID = 1L;

    private long id;
    private User buyer;
    private List<OrderLine> lines;

    public Order() {
    }

    public Order(long id, User buyer, List<OrderLine> lines) {
        this.id = id;
        this.buyer = buyer;
        this.lines = lines;
    }

    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public User getBuyer() { return buyer; }
    public void setBuyer(User buyer) { this.buyer = buyer; }
    public List<OrderLine> getLines() { return lines; }
    public void setLines(List<OrderLine> lines) { this.lines = lines; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Order)) return false;
        Order x = (Order) o;
        return id == x.id && Objects.equals(buyer, x.buyer) && Objects.equals(lines, x.lines);
    }

    @Override
    public int hashCode() { return Objects.hash(id); }

    @Override
    public String toString() { return "Order{id=" + id + ", buyer=" + buyer + ", lines=" + lines + "}"; }
}
