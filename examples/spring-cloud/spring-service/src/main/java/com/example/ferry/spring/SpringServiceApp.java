package com.example.ferry.spring;

import com.netflix.appinfo.ApplicationInfoManager;
import com.netflix.appinfo.InstanceInfo;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.netflix.eureka.EurekaServiceInstance;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

/**
 * A Spring Boot service in Eureka, as a Spring Cloud team writes one: it registers through
 * spring-cloud-starter-netflix-eureka-client and calls other apps by their Eureka name with a load-balanced
 * RestClient (Spring Cloud LoadBalancer over the Eureka client's registry copy).
 *
 * <pre>
 *   GET  /hello?name=x          {"app","instanceId","port","name","headers"}: an endpoint to be called (by Ferry)
 *   POST /rpc                   JSON-RPC 2.0: hello(name), whoami()
 *   GET  /call/{app}/{path}     calls http://{app}/{path} through the load balancer: {"status","body"} (503 if none)
 *   GET  /instances/{app}       what this client's discovery sees: [{"instanceId","host","port","status","metadata"}]
 *   POST /status/{value}        UP | DOWN | OUT_OF_SERVICE: this instance's status, pushed to Eureka by the client
 *   GET  /slow?ms=N             answers after N ms
 * </pre>
 */
@SpringBootApplication
@RestController
public class SpringServiceApp {
  private static final long T0 = System.currentTimeMillis();

  private final RestClient loadBalanced;
  private final DiscoveryClient discovery;
  private final ApplicationInfoManager appInfo;
  private final Environment env;

  public SpringServiceApp(RestClient.Builder loadBalancedBuilder, DiscoveryClient discovery, ApplicationInfoManager appInfo, Environment env) {
    this.loadBalanced = loadBalancedBuilder.build();
    this.discovery = discovery;
    this.appInfo = appInfo;
    this.env = env;
  }

  public static void main(String[] args) {
    SpringApplication.run(SpringServiceApp.class, args);
  }

  @Bean
  @LoadBalanced
  static RestClient.Builder loadBalancedRestClientBuilder() {
    return RestClient.builder();
  }

  /** The harness waits for this line, then for the instance to be UP in Eureka. */
  @EventListener(ApplicationReadyEvent.class)
  public void ready() {
    System.out.println("FERRY_SPRING_READY port=" + env.getProperty("local.server.port") + " app=" + appInfo.getInfo().getAppName()
        + " instanceId=" + appInfo.getInfo().getInstanceId() + " startupMs=" + (System.currentTimeMillis() - T0));
  }

  @GetMapping("/hello")
  public Map<String, Object> hello(@RequestParam(defaultValue = "world") String name, HttpServletRequest req) {
    Map<String, Object> out = whoami();
    out.put("name", name);
    out.put("greeting", "hello " + name);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : Collections.list(req.getHeaderNames())) headers.put(h.toLowerCase(), req.getHeader(h));
    out.put("headers", headers);
    return out;
  }

  @PostMapping("/rpc")
  public Map<String, Object> rpc(@RequestBody Map<String, Object> call) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jsonrpc", "2.0");
    out.put("id", call.get("id"));
    Object method = call.get("method");
    Object params = call.get("params");
    if ("whoami".equals(method)) {
      out.put("result", whoami());
    } else if ("hello".equals(method)) {
      Object name = params instanceof List<?> l && !l.isEmpty() ? l.get(0) : params instanceof Map<?, ?> m ? m.get("name") : "world";
      Map<String, Object> r = whoami();
      r.put("greeting", "hello " + name);
      out.put("result", r);
    } else {
      out.put("error", Map.of("code", -32601, "message", "Method not found: " + method));
    }
    return out;
  }

  @GetMapping("/call/{app}/**")
  public ResponseEntity<Map<String, Object>> call(@PathVariable String app, HttpServletRequest req) {
    String prefix = "/call/" + app;
    String path = req.getRequestURI().substring(req.getRequestURI().indexOf(prefix) + prefix.length());
    String url = "http://" + app + (path.isEmpty() ? "/" : path) + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("url", url);
    try {
      ResponseEntity<String> r = loadBalanced.get().uri(url).retrieve().toEntity(String.class);
      out.put("status", r.getStatusCode().value());
      out.put("body", r.getBody());
      return ResponseEntity.ok(out);
    } catch (RestClientResponseException e) {
      out.put("status", e.getStatusCode().value());
      out.put("body", e.getResponseBodyAsString());
      return ResponseEntity.ok(out);
    } catch (RuntimeException e) {
      out.put("error", e.getClass().getName() + ": " + e.getMessage());
      return ResponseEntity.status(503).body(out);
    }
  }

  @GetMapping("/instances/{app}")
  public List<Map<String, Object>> instances(@PathVariable String app) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ServiceInstance i : discovery.getInstances(app)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("instanceId", i.getInstanceId());
      m.put("host", i.getHost());
      m.put("port", i.getPort());
      if (i instanceof EurekaServiceInstance e) m.put("status", e.getInstanceInfo().getStatus().name());
      m.put("metadata", i.getMetadata());
      out.add(m);
    }
    return out;
  }

  @PostMapping("/status/{value}")
  public Map<String, Object> status(@PathVariable String value) {
    appInfo.setInstanceStatus(InstanceInfo.InstanceStatus.valueOf(value));
    return whoami();
  }

  @GetMapping("/slow")
  public Map<String, Object> slow(@RequestParam(defaultValue = "1000") long ms) throws InterruptedException {
    Thread.sleep(ms);
    return whoami();
  }

  private Map<String, Object> whoami() {
    InstanceInfo info = appInfo.getInfo();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("app", info.getAppName());
    out.put("instanceId", info.getInstanceId());
    out.put("port", Integer.valueOf(env.getProperty("local.server.port", "0")));
    out.put("status", info.getStatus().name());
    return out;
  }
}
