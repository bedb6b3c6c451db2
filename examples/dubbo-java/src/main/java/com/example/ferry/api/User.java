package com.example.ferry.api;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** POJO of the type matrix. Field declaration order = Hessian class-definition field order. */
public class User implements Serializable {
    private static final long serialVersionUID = 1L;

    private long id;
    private String name;
    private int age;
    private List<String> tags;
    private Color color;
    private Date birthday;
    private BigDecimal balance;
    private Map<String, String> attributes;

    public User() {
    }

    public User(long id, String name, int age) {
        this.id = id;
        this.name = name;
        this.age = age;
    }

    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags; }
    public Color getColor() { return color; }
    public void setColor(Color color) { this.color = color; }
    public Date getBirthday() { return birthday; }
    public void setBirthday(Date birthday) { this.birthday = birthday; }
    public BigDecimal getBalance() { return balance; }
    public void setBalance(BigDecimal balance) { this.balance = balance; }
    public Map<String, String> getAttributes() { return attributes; }
    public void setAttributes(Map<String, String> attributes) { this.attributes = attributes; }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof User)) return false;
        User u = (User) o;
        return id == u.id && age == u.age && Objects.equals(name, u.name) && Objects.equals(tags, u.tags)
                && color == u.color && Objects.equals(birthday, u.birthday)
                && (balance == null ? u.balance == null : u.balance != null && balance.compareTo(u.balance) == 0)
                && Objects.equals(attributes, u.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, age);
    }

    @Override
    public String toString() {
        return "User{id=" + id + ", name=" + name + ", age=" + age + ", tags=" + tags + ", color=" + color
                + ", birthday=" + birthday + ", balance=" + balance + ", attributes=" + attributes + "}";
    }
}
