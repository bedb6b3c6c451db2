package com.example.ferry.eureka;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Open by default. With {@code --ferry.eureka.username=U --ferry.eureka.password=P} every request needs HTTP
 * basic auth, and CSRF is off for the REST API ({@code /eureka/**}) so that clients can register: the usual
 * production set-up of a Spring Cloud Eureka server.
 */
@Configuration
public class SecurityConfig {
  @Bean
  SecurityFilterChain filterChain(HttpSecurity http, Environment env) throws Exception {
    if (env.getProperty("ferry.eureka.username") == null) {
      http.csrf(c -> c.disable()).authorizeHttpRequests(a -> a.anyRequest().permitAll());
    } else {
      http.csrf(c -> c.ignoringRequestMatchers("/eureka/**"))
          .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
          .authorizeHttpRequests(a -> a.anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults());
    }
    return http.build();
  }

  @Bean
  InMemoryUserDetailsManager users(Environment env) {
    String user = env.getProperty("ferry.eureka.username");
    if (user == null) return new InMemoryUserDetailsManager();
    return new InMemoryUserDetailsManager(User.withUsername(user).password("{noop}" + env.getProperty("ferry.eureka.password", "")).roles("EUREKA").build());
  }
}
