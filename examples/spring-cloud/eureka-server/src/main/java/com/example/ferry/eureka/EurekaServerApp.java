package com.example.ferry.eureka;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.cloud.netflix.eureka.server.EnableEurekaServer;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/** A stand-alone Spring Cloud Netflix Eureka server (no peers, no self-registration). */
@SpringBootApplication
@EnableEurekaServer
public class EurekaServerApp {
  private static final long T0 = System.currentTimeMillis();

  public static void main(String[] args) {
    SpringApplication.run(EurekaServerApp.class, args);
  }

  /** The harness waits for this line (then for GET /eureka/apps). */
  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent e) {
    Environment env = e.getApplicationContext().getEnvironment();
    System.out.println("FERRY_EUREKA_READY port=" + env.getProperty("local.server.port") + " startupMs=" + (System.currentTimeMillis() - T0));
  }
}
