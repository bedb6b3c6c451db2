package com.example.ferry.api;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Objects;

public class OrderLine implements Serializable {
    private static final long serialVersionUID = 1L;

    private String sku;
    private int quantity;
    private BigDecimal price;

    public OrderLine() {
    }

    public OrderLine(String sku, int quantity, BigDecimal price) {
        this.sku = sku;
        this.quantity = quantity;
        this.price = price;
    }

    public String getSku() { return sku; }
    public void setSku(String sku) { this.sku = sku; }
    public int getQuantity() { return quantity; }
    public void setQuantity(int quantity) { this.quantity = quantity; }
    public BigDecimal getPrice() { return price; }
    public void setPrice(BigDecimal price) { this.price = price; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OrderLine)) return false;
        OrderLine l = (OrderLine) o;
        return quantity == l.quantity && Objects.equals(sku, l.sku)
                && (price == null ? l.price == null : l.price != null && price.compareTo(l.price) == 0);
    }

    @Override
    public int hashCode() { return Objects.hash(sku, quantity); }

    @Override
    public String toString() { return "OrderLine{sku=" + sku + ", quantity=" + quantity + ", price=" + price + "}"; }
}
