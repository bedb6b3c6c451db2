# The Java Dubbo provider of the example, from examples/dubbo-java. Build from the repository root:
#   docker build -f examples/k8s/dubbo-provider.Dockerfile -t ferry-example-dubbo-provider:0.1.0 .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY examples/dubbo-java/ ./
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:17-jre
COPY --from=build /src/dubbo-3.3/target/ferry-dubbo-peers-3.3.jar /opt/provider.jar
USER 65532:65532
ENTRYPOINT ["java", "-Xmx256m", "-jar", "/opt/provider.jar"]
